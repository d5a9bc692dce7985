"""mixed: an ERP-sync mix. Each user mostly reads (lookups by location and SKU, list walks)
and now and then pushes a bulk inventory batch, as an ERP connector syncing stock does.
Data set: as list_walk (more than a page of every list, with inventory rows)."""

from locust import task

from dmcert.load.locust.tasks import BulkWriter, ListWalker, Lookups
from dmcert.load.locust.user import ApiUser


class ErpSyncUser(ApiUser):
    def on_start(self) -> None:
        super().on_start()
        self.writer = BulkWriter(self, self.settings.batch_size)
        self.walker = ListWalker(self)
        self.lookups = Lookups(self)

    @task(1)
    def upsert_batch(self) -> None:
        self.writer.step()

    @task(3)
    def lookup_location(self) -> None:
        self.lookups.by_location()

    @task(3)
    def lookup_sku(self) -> None:
        self.lookups.by_sku()

    @task(3)
    def list_page(self) -> None:
        self.walker.step()
