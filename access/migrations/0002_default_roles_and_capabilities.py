"""Install Moodle's default roles, capabilities and the system context (idempotent)."""

from django.db import migrations


def install(apps, schema_editor):
    from access.defaults import defaults_install

    defaults_install(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
