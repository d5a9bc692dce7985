"""The reference target: the documented Datamingle integrations API v1 on a real database.

`dmcert serve` runs it; `dmcert check` starts it when no --target is given; the project's
tests run the suite against it, with and without deliberately injected faults.
"""
