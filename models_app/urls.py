"""URLs of the analytics models page."""

from django.urls import path

from config.lazyviews import LazyViews

#: Imported at the first request, not by every command's URL checks
#: (config/lazyviews.py): the views load the analysis and backtest services.
views = LazyViews("models_app.views")

app_name = "models_app"
urlpatterns = [
    path("models/", views.model_list, name="list"),
    path("models/new/", views.model_create, name="create"),
    path("models/import/", views.model_import, name="import"),
    path("models/restore/", views.restore_defaults, name="restore"),
    path("models/<int:pk>/edit/", views.model_edit, name="edit"),
    path("models/<int:pk>/enable/", views.model_enable, name="enable"),
    path("models/<int:pk>/evaluate/", views.model_evaluate, name="evaluate"),
    path("models/<int:pk>/run/", views.model_run, name="run"),
    path("models/<int:pk>/backtest/", views.model_backtest, name="backtest"),
    path("models/<int:pk>/clear/", views.model_predictions_clear, name="clear"),
    path("models/<int:pk>/delete/", views.model_delete, name="delete"),
    path("models/<int:pk>/export/", views.model_export, name="export"),
    path("models/<int:pk>/log/", views.model_log, name="log"),
    path("models/<int:pk>/interval/", views.model_use_interval, name="use_interval"),
    path("logs/<int:pk>/", views.log_detail, name="log_detail"),
    path("logs/<int:pk>/graphs/<int:index>/<str:name>", views.log_graph, name="graph"),
]
