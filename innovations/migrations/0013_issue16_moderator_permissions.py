"""Issue 16: what a moderator (the organiser) needs for reach and spread.

Import the register and read past imports; read the outreach list of registered
organisations that have not taken part; read and moderate the notes of responses
("We do this too"); read the log of messages relayed to innovators (never their text).
Idempotent, like 0002.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderator"
PERMISSIONS = [
    ("organisations", "registerimport", ["view", "add"]),
    ("innovations", "registeredorganisation", ["view"]),
    ("innovations", "response", ["view", "change"]),
    ("innovations", "question", ["view"]),
]


def grant(apps, schema_editor):
    for label in {app_label for app_label, _model, _actions in PERMISSIONS}:
        app_config = apps.get_app_config(label)
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *[
            Permission.objects.get(
                content_type__app_label=app_label, codename=f"{action}_{model}"
            )
            for app_label, model, actions in PERMISSIONS
            for action in actions
        ]
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    group.permissions.remove(
        *Permission.objects.filter(
            content_type__app_label__in=["organisations", "innovations"],
            codename__in=[
                f"{action}_{model}" for _app, model, actions in PERMISSIONS for action in actions
            ],
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0005_register"),
        ("innovations", "0012_responses_and_questions"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
