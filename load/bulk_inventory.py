"""bulk_inventory: POST /inventory/ batches of --batch-size rows (1-5,000), half updates of
pairs the user already wrote and half creates of new ones; every summary is checked against
the rows sent. Data set: products. Each user creates its own locations for new pairs."""

from locust import task

from dmcert.load.locust.tasks import BulkWriter
from dmcert.load.locust.user import ApiUser


class BulkInventoryUser(ApiUser):
    def on_start(self) -> None:
        super().on_start()
        self.writer = BulkWriter(self, self.settings.batch_size)

    @task
    def upsert_batch(self) -> None:
        self.writer.step()
