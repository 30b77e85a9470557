"""Create the nightly "Train models" / "Predict models" runs and the hourly cleanup.

Idempotent and respectful of admins: a periodic task that already exists (matched by
name) is left exactly as it is, even if an admin moved its schedule or disabled it.
"""

from django.db import migrations

SCHEDULES = [
    # (name, task, minute, hour, description)
    (
        "Train models",
        "models_app.tasks.train_models_task",
        "0",
        "1",
        "Every night at 01:00: trains every enabled model that learns from data.",
    ),
    (
        "Predict models",
        "models_app.tasks.predict_models_task",
        "0",
        "3",
        "Every night at 03:00: predicts with every enabled, trained model.",
    ),
    (
        "Analytics cleanup",
        "models_app.tasks.analytics_cleanup_task",
        "42",
        "*",
        "Every hour at minute 42: deletes indicator calculations older than the "
        "calculations lifetime setting.",
    ),
]


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    created = False
    for name, task, minute, hour, description in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        PeriodicTask.objects.create(
            name=name, task=task, crontab=crontab, description=description
        )
        created = True
    if created:
        # Tell a running beat to reload its schedule.
        from django.utils import timezone

        PeriodicTasks.objects.update_or_create(
            ident=1, defaults={"last_update": timezone.now()}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("models_app", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, migrations.RunPython.noop)]
