from django.urls import path

from . import views

app_name = "innovations"

urlpatterns = [
    path("campaigns/<slug:slug>/submit/", views.submit, name="submit"),
    # The receipt is a random UUID: only the person who sent the form knows this address.
    path("campaigns/<slug:slug>/thanks/<uuid:receipt>/", views.thanks, name="thanks"),
]
