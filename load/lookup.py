"""lookup: GET /inventory/{code}/ (rows at a location) and GET /inventory/{sku}/?by=sku
(every location holding a SKU); each answer must hold only rows of the identifier asked for
and at least as many as the data set put there. Data set: locations, products, inventory
rows."""

from locust import task

from dmcert.load.locust.tasks import Lookups
from dmcert.load.locust.user import ApiUser


class LookupUser(ApiUser):
    def on_start(self) -> None:
        super().on_start()
        self.lookups = Lookups(self)

    @task
    def by_location(self) -> None:
        self.lookups.by_location()

    @task
    def by_sku(self) -> None:
        self.lookups.by_sku()
