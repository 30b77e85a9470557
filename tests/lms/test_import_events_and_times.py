"""The pieces of the log import that need no database: times and the event table."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.importers import month_names
from lms.importers.events import context_resolve, event_resolve
from lms.importers.times import LogTime, YearAmbiguous, log_time_parse, years_infer


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "32/01/17, 10:00",
        "11 Mayo, 25:00",
        "Smarch 3, 10:00",
        "11 May 2017 foo, 10:00",
        "13:00 PM",
        "22 janvier mai 2024, 09:09",
        "22 Smarchvier 2024, 09:09",
        "2024年1月22日 13:09 午後",
    ],
)
def test_unreadable_times_raise(text):
    with pytest.raises(ValueError):
        log_time_parse(text)


JANUARY_22 = LogTime(2024, 1, 22, 9, 9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English and Spanish, as before CLDR.
        ("22 January 2024, 09:09", JANUARY_22),
        ("Monday, 22 January 2024, 9:09 AM", JANUARY_22),
        ("22 de enero de 2024, 09:09", JANUARY_22),
        ("lunes, 22 de enero de 2024, 09:09", JANUARY_22),
        ("22 ene 2024, 9:09 p. m.", LogTime(2024, 1, 22, 21, 9)),
        # French: wide, abbreviated, with the weekday.
        ("22 janvier 2024, 09:09", JANUARY_22),
        ("lundi 22 janvier 2024, 09:09", JANUARY_22),
        ("22 janv. 2024, 09:09", JANUARY_22),
        ("5 févr. 2024, 17:30", LogTime(2024, 2, 5, 17, 30)),
        ("31 décembre 2023, 23:59", LogTime(2023, 12, 31, 23, 59)),
        # German: "Mai" is May here, whatever it means elsewhere.
        ("22. Januar 2024, 09:09", JANUARY_22),
        ("Montag, 22. Januar 2024, 09:09", JANUARY_22),
        ("3. Mai 2024, 09:09", LogTime(2024, 5, 3, 9, 9)),
        ("3. März 2024, 09:09", LogTime(2024, 3, 3, 9, 9)),
        # Portuguese: "de" between the parts, as in Spanish.
        ("22 de janeiro de 2024, 09:09", JANUARY_22),
        ("segunda-feira, 22 de janeiro de 2024, 09:09", JANUARY_22),
        ("7 de março de 2024, 09:09", LogTime(2024, 3, 7, 9, 9)),
        # Arabic: its own month names, its comma, Arabic-Indic digits, AM/PM words.
        ("22 يناير 2024، 09:09", JANUARY_22),
        ("الاثنين، 22 يناير 2024، 09:09 م", LogTime(2024, 1, 22, 21, 9)),
        ("22 كانون الثاني 2024، 09:09", JANUARY_22),
        ("٢٢ يناير ٢٠٢٤، ٠٩:٠٩", JANUARY_22),
        # Japanese: "1月" is a number and a word.
        ("2024年1月22日 9:09", JANUARY_22),
        ("2024年 01月 22日 09:09", JANUARY_22),
        ("2024年1月22日(月曜日) 午後9:09", LogTime(2024, 1, 22, 21, 9)),
        # A few more scripts and phrasings.
        ("22 января 2024 г., 09:09", JANUARY_22),
        ("22 tháng 1, 2024 09:09", JANUARY_22),
        ("2024년 1월 22일 오후 9:09", LogTime(2024, 1, 22, 21, 9)),
        ("22 בינואר 2024, 09:09", JANUARY_22),
        ("lundi 22/01/2024, 09:09", JANUARY_22),
        # No year, as older sites write it.
        ("22 janvier, 09:09", LogTime(None, 1, 22, 9, 9)),
    ],
)
def test_dates_in_moodle_languages(text, expected):
    assert log_time_parse(text) == expected


def test_a_month_word_two_languages_read_differently_is_refused_not_guessed():
    """ "ara" is February in some locales and December in as many others."""
    with pytest.raises(ValueError, match="different months in different languages"):
        log_time_parse("22 ara 2024, 09:09")


def test_english_and_spanish_need_no_cldr_table():
    """The common case reads without building the table of every language."""
    month_names.words.cache_clear()
    assert log_time_parse("11 de mayo de 2019, 09:44") == LogTime(2019, 5, 11, 9, 44)
    assert log_time_parse("Thursday, 11 May 2017, 9:44 AM") == LogTime(
        2017, 5, 11, 9, 44
    )
    assert month_names.words.cache_info().currsize == 0
    # A date not read before (readings are cached), so the table is built now.
    assert log_time_parse("17 janvier 2024, 09:09") == LogTime(2024, 1, 17, 9, 9)
    assert month_names.words.cache_info().currsize == 1


def test_cldr_table_covers_every_babel_locale():
    from babel import localedata

    locales = set()
    for meanings in month_names.words().phrases.values():
        locales.update(meanings)
    assert locales == set(localedata.locale_identifiers())


def test_month_day_order_when_day_first_is_impossible():
    assert log_time_parse("06/27/17, 05:54") == LogTime(2017, 6, 27, 5, 54)
    assert log_time_parse("05/06/17, 05:54") == LogTime(2017, 6, 5, 5, 54)


def test_unix_timestamps_pass_through():
    assert log_time_parse("1498542840") == 1498542840


def test_years_infer_forward_order_and_future_dates():
    now = dt.datetime(2024, 3, 1, 12, 0)
    ascending = [
        LogTime(None, month, day, 9, 0)
        for month, day in [(11, 20), (11, 25), (12, 31), (2, 1), (2, 5)]
    ]
    assert years_infer(ascending, now=now) == [2023, 2023, 2023, 2024, 2024]
    # 20 March has not happened yet in 2024: it was last year.
    assert years_infer([LogTime(None, 3, 20, 9, 0)], now=now) == [2023]


def test_years_infer_refuses_a_jump_back_that_is_no_new_year():
    """Per-user blocks, each newest first: the second block would be a year earlier."""
    now = dt.datetime(2024, 7, 1)
    blocks = [LogTime(None, m, d, 9, 0) for m, d in [(6, 20), (3, 2), (1, 22)]] + [
        LogTime(None, m, d, 9, 0) for m, d in [(6, 27), (2, 1)]
    ]
    with pytest.raises(YearAmbiguous) as error:
        years_infer(blocks, now=now)
    assert (error.value.newer, error.value.older) == (2, 3)


def test_years_infer_takes_a_short_winter_break_as_a_new_year():
    now = dt.datetime(2024, 7, 1)
    times = [LogTime(None, m, d, 9, 0) for m, d in [(2, 1), (1, 20), (12, 5), (11, 1)]]
    assert years_infer(times, now=now) == [2024, 2024, 2023, 2023]


def test_years_infer_keeps_the_year_across_a_daylight_saving_fold():
    """Clocks go back an hour: 02:10 (second time) comes before 02:50 (first time)."""
    now = dt.datetime(2024, 12, 1)
    times = [LogTime(None, 10, 27, h, m) for h, m in [(3, 5), (2, 10), (2, 50), (1, 0)]]
    assert years_infer(times, now=now) == [2024] * 4


@pytest.mark.parametrize(
    ("name", "component", "context", "expected"),
    [
        (
            "Course viewed",
            "System",
            "Course: X",
            (r"\core\event\course_viewed", "core", "r", 2),
        ),
        (
            "Curso visto",
            "Sistema",
            "Curso: X",
            (r"\core\event\course_viewed", "core", "r", 2),
        ),
        (
            "Course module viewed",
            "Forum",
            "Forum: News",
            (r"\mod_forum\event\course_module_viewed", "mod_forum", "r", 2),
        ),
        (
            "Course module viewed",
            "File",
            "File: Slides",
            (r"\mod_resource\event\course_module_viewed", "mod_resource", "r", 2),
        ),
        (
            "Post created",
            "Forum",
            "Forum: News",
            (r"\mod_forum\event\post_created", "mod_forum", "c", 2),
        ),
        (
            "Quiz attempt submitted",
            "Quiz",
            "Quiz: T1",
            (r"\mod_quiz\event\attempt_submitted", "mod_quiz", "u", 2),
        ),
        (
            "Quiz attempt reviewed",
            "Quiz",
            "Quiz: T1",
            (r"\mod_quiz\event\attempt_reviewed", "mod_quiz", "r", 2),
        ),
        (
            "User graded",
            "System",
            "Course: X",
            (r"\core\event\user_graded", "core", "u", 1),
        ),
        (
            "Grade user report viewed",
            "User report",
            "Course: X",
            (
                r"\gradereport_user\event\grade_report_viewed",
                "gradereport_user",
                "r",
                1,
            ),
        ),
        (
            "Widget polished",
            "Fancy Plugin",
            "Course: X",
            (r"\fancy_plugin\event\widget_polished", "fancy_plugin", "r", 2),
        ),
        (
            "Widget deleted",
            "Fancy Plugin",
            "Course: X",
            (r"\fancy_plugin\event\widget_deleted", "fancy_plugin", "d", 2),
        ),
        (
            "Entrada añadida",
            "Glosario",
            "Glosario: Términos",
            (r"\mod_glossary\event\entrada_anadida", "mod_glossary", "c", 2),
        ),
        (
            "Override graded",
            "System",
            "Course: X",
            (r"\core\event\override_graded", "core", "u", 1),
        ),
    ],
)
def test_event_table_and_inference(name, component, context, expected):
    modname, _name = context_resolve(context)
    spec = event_resolve(name, component=component, modname=modname)
    assert (spec.eventname, spec.component, spec.crud, int(spec.edulevel)) == expected


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ("Forum: General news", ("forum", "General news")),
        ("Assignment: Essay 1: draft", ("assign", "Essay 1: draft")),
        ("File: Slides", ("resource", "Slides")),
        ("Cuestionario: Prueba", ("quiz", "Prueba")),
        ("Página: Guía", ("page", "Guía")),
        ("Course: Economics: an intro", (None, "")),
        ("System", (None, "")),
        ("Attendance: Week 1", ("resource", "Week 1")),
    ],
)
def test_event_contexts(context, expected):
    assert context_resolve(context) == expected
