"""``python -m cskpi``: the command line."""

import sys

from .cli import main

if __name__ == "__main__":  # not when a spawned process (a Dask worker of --scheduler local) imports it
    sys.exit(main())
