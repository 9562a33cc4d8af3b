from django.urls import path

from . import views

app_name = "innovations"

urlpatterns = [
    path("campaigns/<slug:slug>/submit/", views.submit, name="submit"),
]
