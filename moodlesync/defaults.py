"""The default schedule of the sync, installed by a data migration."""

from __future__ import annotations

from django.utils import timezone

SCHEDULE_NAME = "Sync from Moodle"
TASK = "moodlesync.tasks.moodle_sync_task"


def schedule_install(apps) -> bool:
    """Create the "Sync from Moodle" periodic task (every 15 minutes) if missing.

    An existing row (matched by name) is left exactly as an admin left it.
    """
    crontab_cls = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_cls = apps.get_model("django_celery_beat", "PeriodicTask")
    tasks_changed = apps.get_model("django_celery_beat", "PeriodicTasks")
    if task_cls.objects.filter(name=SCHEDULE_NAME).exists():
        return False
    # Every 15 minutes: at minutes 0, 15, 30 and 45 of every hour.
    crontab, _created = crontab_cls.objects.get_or_create(
        minute="*/15",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    task_cls.objects.create(
        name=SCHEDULE_NAME,
        task=TASK,
        crontab=crontab,
        description="Every 15 minutes: read what changed in the Moodle site "
        "(MOODLE_DATABASE_URL) into Foresight.",
    )
    tasks_changed.objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )
    return True
