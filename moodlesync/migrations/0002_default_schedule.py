"""Create the "Sync from Moodle" periodic task, every 15 minutes, if missing."""

from django.db import migrations


def create_schedule(apps, schema_editor):
    from moodlesync.defaults import schedule_install

    schedule_install(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("moodlesync", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, migrations.RunPython.noop)]
