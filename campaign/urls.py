from django.urls import path

from . import views

app_name = "campaign"

urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/", views.CampaignListView.as_view(), name="list"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="detail"),
    path("campaigns/<slug:slug>/innovations/<int:pk>/", views.innovation_detail, name="innovation"),
]
