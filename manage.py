#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

A database or task queue that cannot be reached is reported in one line, not a
traceback (config.commandline).
"""

import gc
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    own_settings = os.environ[
        "DJANGO_SETTINGS_MODULE"
    ] == "config.settings" and not any(arg.startswith("--settings") for arg in sys.argv)
    if own_settings:
        # No garbage collection while Django loads the apps: what it allocates
        # lives on, and collecting it was 0.12 s of every command
        # (bench/command_start.py). The last app of these settings freezes those
        # objects and turns the collector back on in its ready() (config/apps.py);
        # other settings may not have that app, so they keep the collector on.
        gc.disable()
    from config.commandline import main as run

    run(sys.argv)


if __name__ == "__main__":
    main()
