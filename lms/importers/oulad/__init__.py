"""Import the Open University Learning Analytics Dataset (OULAD), one course per presentation.

Kuzilek, Hlosta and Zdrahal, Scientific Data 4:170171 (2017), CC BY 4.0. The tables
are read as CSV, quoted (the original release) or plain, each file plain or gzipped
(`studentVle.csv` or `studentVle.csv.gz`). How the dataset maps to the site:

- A module presentation ("AAA", "2013J") is the course "AAA-2013J" in the category
  "Open University (OULAD)". OULAD gives days relative to the start, not dates, so
  the start is `start_date` or a fixed default: 1 October of the year for "J"
  presentations and 1 February for "B" ones (the OU's usual October and February
  starts), midnight UTC. The end is start + module_presentation_length days. Grade to
  pass is 40 (the OU pass mark) out of 100; completion tracking is on.
- Each student is the user "oulad<id_student>" (one user across presentations),
  enrolled from the registration day (the course start when empty); the
  unregistration day ends the enrolment (`timeend`) and the status stays active, as
  Moodle keeps a withdrawn student's enrolment. Students get the student role in the
  course context.
- Each VLE site is an activity (`VLE_TYPES` maps OU activity types to Moodle types),
  in the section of its week (section 1 is days 0-6): its `week_from` when given,
  else the week of its click-weighted median day (most sites have no `week_from`),
  else section 1; except the module's "homepage", which is the course page itself.
  Section 0 stays empty, so every activity keeps its timing for the analysis.
- Each click in studentVle is one event in the standard store: a
  `course_module_viewed` of that activity, or for the homepage a `course_viewed` in
  the course context (which Moodle's course-level indicators such as read_actions
  count). A day's clicks of one student on one site are spread evenly
  over the day: the k-th of n clicks (k = 0..n-1) is at day start +
  (2k + 1) * 86400 // (2n) seconds, so counts are exact and times deterministic.
- Each assessment is an activity with a due date (TMA → assign, CMA → quiz, Exam →
  quiz; an exam without a date is due at the course end); scores are activity grades
  submitted on date_submitted.
- final_result: Pass and Distinction complete the course (at its end). The final
  grade is the student's weight-averaged assessment score, moved into the band the
  result implies (Distinction >= 70, Pass >= 40, Fail < 40; with no score: 70, 40,
  0); withdrawn students get no final grade.
"""

from __future__ import annotations

from lms.importers.oulad.reading import oulad_csv_open
from lms.importers.oulad.writing import (
    CATEGORY_NAME,
    OuladImportResult,
    PresentationResult,
    final_grade,
    oulad_import,
    presentation_start_default,
)

__all__ = [
    "CATEGORY_NAME",
    "OuladImportResult",
    "PresentationResult",
    "final_grade",
    "oulad_csv_open",
    "oulad_import",
    "presentation_start_default",
]
