"""Benchmark-only locustfile: Locust's FastHttpUser at its barest, one GET of the list page
per task, no checks and no recording of dmcert's; the baseline dmcert's user is held to in
benchmarks/load_generator.py."""

from locust import FastHttpUser, task

from dmcert.contract.spec import BASE_PATH


class BareUser(FastHttpUser):
    @task
    def page(self) -> None:
        self.client.get(f"{BASE_PATH}/locations/?limit=50", name="GET /locations/")
