"""Bulk writes end with fresh planner statistics (ANALYZE) and an up-to-date rollup.

Without ANALYZE after an import, PostgreSQL plans the analysis for an empty log
(12 rows per course) until autovacuum notices, which may be never.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from logstore.readers import get_reader
from logstore.rollups import rollup_usable

pytestmark = pytest.mark.django_db(transaction=True)

FILES = {
    "courses.csv": "code_module,code_presentation,module_presentation_length\n"
    "ZZZ,2014J,60\n",
    "vle.csv": "id_site,code_module,code_presentation,activity_type,week_from,week_to\n"
    "1,ZZZ,2014J,homepage,,\n2,ZZZ,2014J,resource,,\n",
    "studentInfo.csv": "code_module,code_presentation,id_student,gender,region,"
    "highest_education,imd_band,age_band,num_of_prev_attempts,studied_credits,"
    "disability,final_result\n"
    "ZZZ,2014J,7001,M,Wales,HE Qualification,90-100%,55<=,0,60,N,Pass\n"
    "ZZZ,2014J,7002,F,Wales,HE Qualification,90-100%,35-55,0,60,N,Withdrawn\n",
    "studentRegistration.csv": "code_module,code_presentation,id_student,"
    "date_registration,date_unregistration\n"
    "ZZZ,2014J,7001,-5,\nZZZ,2014J,7002,-3,20\n",
    "assessments.csv": "code_module,code_presentation,id_assessment,"
    "assessment_type,date,weight\nZZZ,2014J,90,TMA,30,100\n",
    "studentAssessment.csv": "id_assessment,id_student,date_submitted,is_banked,"
    "score\n90,7001,29,0,80\n",
    "studentVle.csv": "code_module,code_presentation,id_student,id_site,date,"
    "sum_click\n"
    + "".join(
        f"ZZZ,2014J,{s},{site},{d},{d % 4 + 1}\n"
        for s in (7001, 7002)
        for site in (1, 2)
        for d in range(0, 40, 3)
    ),  # fmt: skip
}


def _oulad(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def _analysed(table: str, *, expected: bool = True) -> bool:
    """Whether `table` has fresh statistics. PostgreSQL's cumulative statistics
    reach pg_stat_user_tables from other backends (autovacuum, the import's own
    connection) late on a busy machine (an idle backend flushes them within ten
    seconds), so it is read again, for up to 15 seconds, until it says what the
    test expects."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for _attempt in range(60):
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT last_analyze IS NOT NULL, n_mod_since_analyze "
                    "FROM pg_stat_user_tables WHERE relname = %s",
                    [table],
                )
                done, modified = cursor.fetchone()
                analysed = bool(done) and modified == 0
                if analysed is expected:
                    return analysed
                time.sleep(0.25)
            return analysed
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return False
        cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0] > 0


def _forget_statistics() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_stat_reset()")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone():
                cursor.execute("DELETE FROM sqlite_stat1")


def test_import_oulad_analyses_the_log_and_rolls_it_up(tmp_path, monkeypatch):
    monkeypatch.setattr("logstore.rollups.MIN_COMPRESSION", 0.0)
    _forget_statistics()
    assert _analysed("logstore_standard_log", expected=False) is False
    call_command("import_oulad", str(_oulad(tmp_path)), stdout=io.StringIO())
    assert _analysed("logstore_standard_log") is True
    assert _analysed("logstore_activity_rollup") is True
    reader = get_reader("standard")
    assert rollup_usable(reader) is True
    clicks = sum(d % 4 + 1 for d in range(0, 40, 3))
    assert reader.total_rows() == 2 * 2 * clicks
