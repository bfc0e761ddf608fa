"""Shared pytest setup.

xlwings picks its custom-function implementation when it is first imported:
with ``XLWINGS_ON_SERVER=true`` ``xlwings.func``/``arg``/``ret`` are the
Office.js ones (xlwings Server / Lite), which is how xlwings tests itself and
the only runtime that runs on Linux. The PRO parts (``xlwings.server``) need a
license key; ``noncommercial`` is the PolyForm Noncommercial one. Both must be
set before anything imports xlwings, hence here, at the top.
"""

import os

os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
