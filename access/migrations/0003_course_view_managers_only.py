"""`course:view` at system level for managers only, as in Moodle.

Teachers then need an active enrolment to open a course's insights; see
`access.defaults.course_view_managers_only` for what is kept.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from access.defaults import course_view_managers_only

    course_view_managers_only(apps)


def backwards(apps, schema_editor):
    from access.defaults import course_view_teachers_again

    course_view_teachers_again(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_default_roles_and_capabilities"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
