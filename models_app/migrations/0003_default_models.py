"""Install Moodle's default analytics models.

As Moodle does on install and upgrade, a default is created only if no model with its
target exists yet, so a model an admin changed or deleted-and-recreated stays theirs.
"""

import time

from django.db import migrations


def create_default_models(apps, schema_editor):
    from models_app.defaults import DEFAULT_MODELS

    AnalyticsModel = apps.get_model("models_app", "AnalyticsModel")
    version = int(time.time())
    for default in DEFAULT_MODELS:
        if AnalyticsModel.objects.filter(target=default.target).exists():
            continue
        AnalyticsModel.objects.create(
            target=default.target,
            indicators=list(default.indicators),
            interval=default.interval,
            enabled=default.enabled,
            trained=default.rule_based,
            version=version,
        )


class Migration(migrations.Migration):
    dependencies = [("models_app", "0002_default_schedules")]

    operations = [
        migrations.RunPython(create_default_models, migrations.RunPython.noop)
    ]
