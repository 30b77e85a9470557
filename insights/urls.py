"""URLs of the insights pages."""

from django.urls import path

from config.lazyviews import LazyViews

#: Imported at the first request, not by every command's URL checks
#: (config/lazyviews.py): the views load the charts, selectors and describers.
views = LazyViews("insights.views")

app_name = "insights"
urlpatterns = [
    path("", views.insight_list, name="list"),
    path("<int:pk>/", views.insight_detail, name="insight"),
    path("<int:pk>/actions/", views.insight_actions, name="insight_actions"),
    path("<int:pk>/message/", views.student_message, name="student_message"),
    path("predictions/<int:pk>/", views.prediction_detail, name="prediction"),
    path(
        "predictions/<int:pk>/actions/",
        views.prediction_action,
        name="prediction_action",
    ),
    path(
        "predictions/<int:pk>/message/",
        views.prediction_message,
        name="prediction_message",
    ),
    path(
        "predictions/<int:pk>/outline/",
        views.prediction_outline,
        name="prediction_outline",
    ),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("preferences/", views.preferences, name="preferences"),
]
