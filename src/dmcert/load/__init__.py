"""`dmcert load`: Locust workloads with SLO gates.

The parent `dmcert` process (no gevent) prepares the workload's data set, starts Locust in
subprocesses, reads back the unrounded HDR histograms they record, and gates on SLOs. Only
the `dmcert.load.locust` subpackage imports Locust; it runs inside the Locust processes.
"""
