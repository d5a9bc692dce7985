"""`python -m dmcert`: like the `dmcert` script, except that Python put the working directory
first on sys.path; it goes before anything else is imported, so no module of the user's
(a `secrets.py`, say) can shadow one dmcert or its libraries import."""

import os
import sys

sys.path[:] = [entry for entry in sys.path if entry not in ("", ".", os.getcwd())]

from dmcert.cli import main  # noqa: E402

raise SystemExit(main())
