"""`python -m bot` runs the `tekser` command line."""

import sys

from bot.cli import main

if __name__ == "__main__":  # not again in a process spawned by multiprocessing
    sys.exit(main())
