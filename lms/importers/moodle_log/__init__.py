"""Import the log report download of one Moodle course into the standard log store.

The whole file is read and checked first; nothing is written while any row is bad
unless the caller skips bad rows. Then, in one transaction: activities named in
"Event context" are created, people are found or created and enrolled as students,
and one log row per file row is written.

Re-importing is harmless: each row's identity (time, user, context, event,
description, origin, IP and how many identical rows came before it in the file) is
hashed and stored in the row's `other` as {"import": "<sha1>"}; rows whose hash the
course already has are skipped. The same log saved as CSV, xlsx or JSON has the same
hashes, because they are computed from parsed values.

Rows with no identifiable user (the name anonymised and no user id in the
description, as for some plug-ins' events) are kept with user id 0, Moodle's "no
user", so the course's event counts stay exact.
"""

from __future__ import annotations

from lms.importers.moodle_log.writing import LogImportResult, moodle_log_import

__all__ = ["LogImportResult", "moodle_log_import"]
