#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

A database or task queue that cannot be reached is reported in one line, not a
traceback (config.commandline).
"""

import gc
import os
import sys


def main() -> None:
    # No garbage collection while Django loads the apps: what it allocates lives
    # on, and collecting it is 40-50 ms of every command. The last app's ready()
    # freezes those objects and turns the collector back on (config/apps.py).
    gc.disable()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.commandline import main as run

    run(sys.argv)


if __name__ == "__main__":
    main()
