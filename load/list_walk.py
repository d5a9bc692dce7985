"""list_walk: full cursor walks of the locations, products, orders and inventory lists at
limit 200, one page per request; a record repeated within one walk fails that page.
Data set: more than one page of each list."""

from locust import task

from dmcert.load.locust.tasks import ListWalker
from dmcert.load.locust.user import ApiUser


class ListWalkUser(ApiUser):
    def on_start(self) -> None:
        super().on_start()
        self.walker = ListWalker(self)

    @task
    def next_page(self) -> None:
        self.walker.step()
