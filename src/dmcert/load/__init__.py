"""`dmcert load`: Locust load profiles with SLO gates.

The parent `dmcert` process (no gevent) seeds the data, starts Locust in subprocesses,
reads back the unrounded HDR histograms they record, and gates on SLOs. Only
`dmcert.load.plugin` imports Locust; it runs inside the Locust processes.
"""
