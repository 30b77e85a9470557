"""Install Moodle's default analytics models.

As Moodle does on install and upgrade, a default is created only if no model with its
target exists yet, so a model an admin changed or deleted-and-recreated stays theirs.
"""

from django.db import migrations


def create_default_models(apps, schema_editor):
    from models_app.defaults import default_models_install

    default_models_install(apps)


class Migration(migrations.Migration):
    dependencies = [("models_app", "0002_default_schedules")]

    operations = [
        migrations.RunPython(create_default_models, migrations.RunPython.noop)
    ]
