"""Give the site its stored identifier, keeping the ids of models already trained.

Model unique ids (models_app.plugins.processors.model_unique_id) used to be
sha1("<ALLOWED_HOSTS[0]>$$<database name>$$<model id>$$<version>"); they are now
sha1("<site identifier>$$<model id>$$<version>"). A site that may hold trained state
(a trained model that is not rule-based, training samples, or any run logged) gets
"<ALLOWED_HOSTS[0]>$$<database name>" as it is now as its identifier, so every id
comes out exactly as before and nothing has to move. That is the simplest thing that
never loses a trained model: renaming folders would only reach the builtin
processor's files, while the `mlbackend` processor keeps its models on an ML backend
server this site cannot rename anything on. From then on the identifier is stored,
so reordering hosts or renaming the database changes no id. A site with no trained
state (a fresh install) keeps the random identifier the new field was given.

Like Moodle's, the identifier is never changed afterwards: reversing this migration
leaves it as it is.
"""

from django.conf import settings
from django.db import migrations


def legacy_site_identifier() -> str:
    """What the old ids hashed before the model id and version."""
    host = (settings.ALLOWED_HOSTS or ["localhost"])[0]
    database = str(settings.DATABASES["default"].get("NAME", ""))
    return f"{host}$${database}"


def _rule_based(target: str) -> bool:
    """Whether the target needs no training; unknown targets count as trainable."""
    from models_app.plugins import registry

    try:
        return bool(registry.target_class(target).based_on_assumptions)
    except (registry.UnknownPlugin, ImportError):
        return False


def holds_trained_state(apps) -> bool:
    """Whether anything may be stored under the old ids of this site's models."""
    model_log = apps.get_model("models_app", "ModelLog")
    train_sample = apps.get_model("models_app", "TrainSample")
    analytics_model = apps.get_model("models_app", "AnalyticsModel")
    if model_log.objects.exists() or train_sample.objects.exists():
        return True
    trained = analytics_model.objects.filter(trained=True).values_list(
        "target", flat=True
    )
    return any(not _rule_based(target) for target in trained)


def site_identifier_store(apps, schema_editor):
    site_information = apps.get_model("settings_app", "SiteInformation")
    row, _created = site_information.objects.get_or_create(pk=1)
    if holds_trained_state(apps):
        row.siteidentifier = legacy_site_identifier()
        row.save(update_fields=["siteidentifier"])


class Migration(migrations.Migration):
    dependencies = [
        ("models_app", "0003_default_models"),
        ("settings_app", "0003_siteinformation_siteidentifier"),
    ]

    operations = [
        migrations.RunPython(site_identifier_store, migrations.RunPython.noop)
    ]
