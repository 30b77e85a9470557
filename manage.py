#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

A database or task queue that cannot be reached is reported in one line, not a
traceback (config.commandline).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.commandline import main as run

    run(sys.argv)


if __name__ == "__main__":
    main()
