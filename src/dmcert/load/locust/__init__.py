"""What runs inside the Locust processes of `dmcert load` (never in the `dmcert` process).

- `runtime`: this process's share of the run (recording, request budget, open-model
  schedule) and the Locust event hooks that drive it: shipping histograms to the master,
  stopping on time or budget, progress lines, writing the merged recording.
- `user`: `ApiUser`, the Locust user every locustfile subclasses, and how one response is
  judged.
- `tasks`: what the users do (walk lists, write bulk batches, look rows up).
- `checks`: what a response body must satisfy; pure functions, testable without Locust.

Locust monkey-patches the standard library with gevent when it is imported, so this
package's `__init__` imports nothing; `runtime`, `user` and `tasks` import Locust and are
only imported by the locustfiles in load/ and benchmarks/.
"""
