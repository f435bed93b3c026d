"""`python -m bot` runs the `tekser` command line."""

import sys

from bot.cli import main

sys.exit(main())
