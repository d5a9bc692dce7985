"""Benchmark-only locustfile: every request is GET /locations/?limit=200 (one full page), the
one endpoint wrk is pointed at in benchmarks/load_generator.py, so the two generators can
be compared request for request. It records and validates exactly as the list walks do:
status, JSON, the page's shape (a list of objects within the limit, a pagination object,
a cursor that is a non-empty string or null)."""

from locust import task

from dmcert.load.locust.user import ApiUser
from dmcert.load.workloads import LIST_PAGE_LIMIT


class ListPageUser(ApiUser):
    @task
    def first_page(self) -> None:
        self.call(
            "GET",
            f"/locations/?limit={LIST_PAGE_LIMIT}",
            "GET /locations/",
            page=LIST_PAGE_LIMIT,
        )
