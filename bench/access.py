"""Benchmark of contexts and capability checks at the size of the bench site.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/foresight_bench \\
        .venv/bin/python bench/access.py
    .venv/bin/python bench/access.py --courses 100 --users 5000     # SQLite

Bulk-creates categories, courses, activities and users, then times
`contexts_bulk_ensure` over all of them, `users_with_capability` for a course and
for the whole site, `contexts_with_capability` for a manager (courses and user
contexts) and a teacher, and 100 `has_perm` checks; prints JSON with seconds and
query counts. Everything runs in a transaction that is rolled back.

Measured on 2026-11-24 on the shared two-core machine under a load average above
10, PostgreSQL, 50 categories, 1,000 courses, 20,000 activities, 50,000 users
(71,050 contexts): contexts_bulk_ensure 16.8 s in 67 queries;
users_with_capability 4 queries (0.03 s for a course, 0.08 s counting 50,000
holders of listowninsights); contexts_with_capability for a site manager 5
queries (0.14 s over 1,000 courses, 0.52 s over 50,000 user contexts); has_perm
about 11 ms per new context (3 queries), then cached on the user object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--categories", type=int, default=50)
    parser.add_argument("--courses", type=int, default=1000)
    parser.add_argument("--activities-per-course", type=int, default=20)
    parser.add_argument("--users", type=int, default=50000)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from access.models import Context, ContextLevel, Role, RoleAssignment
    from access.selectors import contexts_with_capability, users_with_capability
    from access.services import context_system, contexts_bulk_ensure, role_assign
    from lms.models import Activity, Category, Course

    user_model = get_user_model()
    figures: dict[str, object] = {
        "database": connection.vendor,
        "categories": args.categories,
        "courses": args.courses,
        "activities": args.courses * args.activities_per_course,
        "users": args.users,
    }

    def timed(name: str, func) -> object:
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            result = func()
        figures[name] = {
            "seconds": round(time.perf_counter() - start, 3),
            "queries": len(captured.captured_queries),
            "result": result,
        }
        return result

    stamp = int(time.time())
    try:
        with transaction.atomic():
            top_count = max(1, args.categories // 5)
            top = Category.objects.bulk_create(
                [Category(name=f"Bench {i}") for i in range(top_count)]
            )
            subs = Category.objects.bulk_create(
                [
                    Category(name=f"Bench sub {i}", parent=top[i % top_count])
                    for i in range(args.categories - top_count)
                ]
            )
            homes = subs or top
            courses = Course.objects.bulk_create(
                [
                    Course(
                        category=homes[i % len(homes)],
                        shortname=f"bench-{stamp}-{i}",
                        fullname=f"Bench course {i}",
                    )
                    for i in range(args.courses)
                ]
            )
            activities = Activity.objects.bulk_create(
                [
                    Activity(course=course, modname="page", name="Page")
                    for course in courses
                    for _ in range(args.activities_per_course)
                ]
            )
            users = user_model.objects.bulk_create(
                [user_model(username=f"bench-{stamp}-{i}") for i in range(args.users)]
            )
            timed(
                "contexts_bulk_ensure",
                lambda: contexts_bulk_ensure(
                    categories=top + subs,
                    courses=courses,
                    activities=activities,
                    users=users,
                ),
            )
            course_contexts = dict(
                Context.objects.filter(
                    contextlevel=ContextLevel.COURSE,
                    instanceid__in=[c.pk for c in courses],
                ).values_list("instanceid", "pk")
            )
            student = Role.objects.get(shortname="student")
            teacher = Role.objects.get(shortname="editingteacher")
            RoleAssignment.objects.bulk_create(
                [
                    RoleAssignment(
                        user=user,
                        role=teacher if i < len(courses) else student,
                        context_id=course_contexts[courses[i % len(courses)].pk],
                    )
                    for i, user in enumerate(users)
                ],
                batch_size=5000,
            )
            manager = users[-1]
            role_assign(
                user=manager,
                role=Role.objects.get(shortname="manager"),
                context=context_system(),
            )
            course = courses[len(courses) // 2]
            timed(
                "users_with_capability_course",
                lambda: len(users_with_capability("analytics:listinsights", course)),
            )
            timed(
                "users_with_capability_site_listowninsights",
                lambda: users_with_capability(
                    "analytics:listowninsights", context_system()
                ).count(),
            )
            fresh_manager = user_model.objects.get(pk=manager.pk)
            for level in (ContextLevel.COURSE, ContextLevel.USER):
                timed(
                    f"contexts_with_capability_manager_level_{level}",
                    lambda level=level: contexts_with_capability(
                        user=fresh_manager,
                        capability="analytics:listinsights",
                        level=level,
                    ).count(),
                )
            fresh_teacher = user_model.objects.get(pk=users[0].pk)
            timed(
                "contexts_with_capability_teacher",
                lambda: contexts_with_capability(
                    user=fresh_teacher, capability="analytics:listinsights"
                ).count(),
            )
            timed(
                "has_perm_100_courses",
                lambda: sum(
                    fresh_teacher.has_perm("analytics:listinsights", c)
                    for c in courses[:100]
                ),
            )
            raise Rollback
    except Rollback:
        pass
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
