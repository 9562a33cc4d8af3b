from django.urls import path

from . import views

app_name = "campaign"

urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/", views.CampaignListView.as_view(), name="list"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="detail"),
    path("campaigns/<slug:slug>/innovations/", views.innovation_list, name="innovations"),
    path("campaigns/<slug:slug>/innovations/<int:pk>/", views.innovation_detail, name="innovation"),
    path("campaigns/<slug:slug>/feed/", views.feed, name="feed"),
    path("campaigns/<slug:slug>/export.csv", views.export_csv, name="export_csv"),
    path("campaigns/<slug:slug>/export.json", views.export_json, name="export_json"),
    path("campaigns/<slug:slug>/chart.svg", views.chart, name="chart"),
    path("campaigns/<slug:slug>/badge.svg", views.badge, name="badge"),
    path("campaigns/<slug:slug>/embed/", views.embed, name="embed"),
]
