from django.urls import path  # noqa: F401  (routes for the submission flow go here)

app_name = "innovations"

urlpatterns = []
