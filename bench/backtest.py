"""The backtest bench under its first name: see bench/quality.py, which it runs.

.venv/bin/python bench/backtest.py [the options of bench/quality.py]
"""

from __future__ import annotations

import runpy
from pathlib import Path

if __name__ == "__main__":
    runpy.run_path(str(Path(__file__).with_name("quality.py")), run_name="__main__")
