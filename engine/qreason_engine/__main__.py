"""`python -m qreason_engine COMMAND ...`: the same command line as `qreason-engine`."""

import sys

from .cli import main

sys.exit(main())
