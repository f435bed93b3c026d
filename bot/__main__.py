"""`python -m bot` runs the `tekser` command line."""

from bot.cli import run

if __name__ == "__main__":  # not again in a process spawned by multiprocessing
    run()
