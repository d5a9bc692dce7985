"""list_walk: full cursor walks of the locations, products, orders and inventory lists at
limit 200, one page per request; a record repeated within one walk fails that page.
Seeded: more than one page of each list."""

from locust import task

from dmcert.load.plugin import ApiUser, ListWalker


class ListWalkUser(ApiUser):
    def on_start(self) -> None:
        super().on_start()
        self.walker = ListWalker(self)

    @task
    def next_page(self) -> None:
        self.walker.step()
