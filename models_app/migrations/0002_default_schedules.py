"""Create the nightly "Train models" / "Predict models" runs and the hourly cleanup.

Idempotent and respectful of admins: a periodic task that already exists (matched by
name) is left exactly as it is, even if an admin moved its schedule or disabled it.
"""

from django.db import migrations


def create_schedules(apps, schema_editor):
    from models_app.defaults import default_schedules_install

    default_schedules_install(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("models_app", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, migrations.RunPython.noop)]
