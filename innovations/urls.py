"""Every page of a campaign's innovations, in the three URL namespaces templates use:
`campaign:` (a campaign's public pages), `innovations:` (the forms: submission, response, question; their receipts and links) and
`organisations:` (an organisation's page). config/urls.py includes each."""

from django.urls import path

from campaign import statutory

from . import editions, public_views, response_views, sender_views, views

campaign_patterns = [
    path("", public_views.home, name="home"),
    path("campaigns/", public_views.campaign_list, name="list"),
    path("campaigns/<slug:slug>/", public_views.campaign_detail, name="detail"),
    path("campaigns/<slug:slug>/innovations/", public_views.innovation_list, name="innovations"),
    path(
        "campaigns/<slug:slug>/innovations/<int:pk>/",
        public_views.innovation_detail,
        name="innovation",
    ),
    path("campaigns/<slug:slug>/feed/", public_views.feed, name="feed"),
    path("campaigns/<slug:slug>/export.csv", public_views.export_csv, name="export_csv"),
    path("campaigns/<slug:slug>/export.json", public_views.export_json, name="export_json"),
    path("campaigns/<slug:slug>/chart.svg", public_views.chart, name="chart"),
    path("campaigns/<slug:slug>/badge.svg", public_views.badge, name="badge"),
    path("campaigns/<slug:slug>/embed/", public_views.embed, name="embed"),
    path("campaigns/<slug:slug>/report.pdf", editions.report_pdf, name="report_pdf"),
    path("campaigns/<slug:slug>/editions/<int:number>.pdf", editions.edition_pdf, name="edition"),
    # The site's statutory pages (their words are in the site settings).
    path("accessibility/", statutory.accessibility, name="accessibility"),
    path("privacy/", statutory.privacy, name="privacy"),
]

submission_patterns = [
    path("campaigns/<slug:slug>/submit/", views.submit, name="submit"),
    # The receipt is a random UUID: only the person who sent the form knows this address.
    path("campaigns/<slug:slug>/thanks/<uuid:receipt>/", views.thanks, name="thanks"),
    # Staff only: a pending innovation as it would look in public (admin "View on site").
    path("campaigns/<slug:slug>/innovations/<int:pk>/preview/", views.preview, name="preview"),
    # The manage link: <token> is a secret of 256 random bits, sent only to the sender.
    path("campaigns/<slug:slug>/manage/<str:token>/", sender_views.manage, name="manage"),
    path("campaigns/<slug:slug>/manage/<str:token>/add/", sender_views.add, name="manage_add"),
    path(
        "campaigns/<slug:slug>/manage/<str:token>/<int:pk>/edit/",
        sender_views.edit,
        name="manage_edit",
    ),
    path(
        "campaigns/<slug:slug>/manage/<str:token>/<int:pk>/withdraw/",
        sender_views.withdraw,
        name="manage_withdraw",
    ),
    path(
        "campaigns/<slug:slug>/manage/<str:token>/<int:pk>/correction/",
        sender_views.correction,
        name="manage_correction",
    ),
    # The forms on a published innovation page, each on a page of its own, never cached.
    path(
        "campaigns/<slug:slug>/innovations/<int:pk>/respond/",
        response_views.respond,
        name="respond",
    ),
    path(
        "campaigns/<slug:slug>/innovations/<int:pk>/respond/sent/",
        response_views.respond_sent,
        name="respond_sent",
    ),
    path(
        "responses/confirm/<str:token>/",
        response_views.confirm_response,
        name="response_confirm",
    ),
    path("campaigns/<slug:slug>/innovations/<int:pk>/ask/", response_views.ask, name="ask"),
    path(
        "campaigns/<slug:slug>/innovations/<int:pk>/ask/sent/",
        response_views.ask_sent,
        name="ask_sent",
    ),
    path("questions/stop/<str:token>/", response_views.stop_questions, name="stop_questions"),
]

organisation_patterns = [
    path("organisations/<slug:slug>/", public_views.organisation_detail, name="detail"),
]
