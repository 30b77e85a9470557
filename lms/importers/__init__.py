"""Importers that bring an existing site's history into `lms` and `logstore`.

- `moodle_log`: the log report download of one Moodle course (CSV, xlsx, ods, JSON).
- `grades`: the gradebook export of one Moodle course (CSV).
- `oulad`: the Open University Learning Analytics Dataset, one course per presentation.

Each importer reads and checks the whole input before it writes, and writes in one
transaction, so a bad file leaves the database as it was (`errors.ImportFileError`
names the file, the line and the problem). What the database could not store, or
what no real export holds, is refused while reading (`limits`); spreadsheets and
gzip are read within bounds (`sheets`, `ods`, `tables`), so a small file cannot
expand into gigabytes.
"""
