"""Compile every gettext catalogue (locale*/*/LC_MESSAGES/*.po) into its .mo file.

locale/ is Foresight's own; locale-thirdparty/ translates third-party apps' texts.

Uses Babel, so a fresh machine needs no gettext tools. Babel's own `pybabel compile`
refuses strings such as "10% after start" whose translation moves the "%" (it reads
"% a" as a placeholder); these strings are never %-formatted, so this script writes the
catalogue without that check. Fuzzy entries are left out, as msgfmt does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    catalogues = sorted(ROOT.glob("locale*/*/LC_MESSAGES/*.po"))
    if not catalogues:
        print("No message catalogues found under locale/.", file=sys.stderr)
        return 1
    for po_path in catalogues:
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        tmp_path = mo_path.with_suffix(".mo.tmp")
        with tmp_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        tmp_path.replace(mo_path)
        translated = sum(1 for message in catalog if message.id and message.string)
        print(f"{po_path.relative_to(ROOT)}: {translated} translated messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
