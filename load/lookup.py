"""lookup: GET /inventory/{code}/ (rows at a location) and GET /inventory/{sku}/?by=sku
(every location holding a SKU); each answer must hold exactly the seeded rows' owner and
at least as many rows as were seeded. Seeded: locations, products, inventory rows."""

from locust import task

from dmcert.load.plugin import ApiUser, Lookups


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
