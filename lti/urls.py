"""URLs of the LTI tool: fixed paths, outside the language prefixes."""

from django.urls import path

from config.lazyviews import LazyViews

#: Imported at the first request, not by every command's URL checks
#: (config/lazyviews.py): the views load the JWT library (joserfc, cryptography).
views = LazyViews("lti.views")

app_name = "lti"
urlpatterns = [
    path("login/", views.login_initiation, name="login"),
    path("launch/", views.launch, name="launch"),
    path("jwks/", views.jwks, name="jwks"),
    path("course/<int:pk>/", views.course_insights, name="course"),
    path("signin/<str:token>/", views.signin, name="signin"),
]
