from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        # models_app hands each prediction run's predictions to this consumer:
        # it cannot import insights, which sits above it.
        from insights.consumers import predictions_store
        from models_app.consumers import predictions_consumer_register

        predictions_consumer_register(predictions_store)
