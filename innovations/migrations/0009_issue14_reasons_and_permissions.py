"""Issue 14: the reasons an organiser can give for not publishing, and what moderators need
for the loop: keep that list of reasons, read the emails sent, and choose their own alerts.

Idempotent, like 0002: running it again adds the same rows and permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REASONS = [
    "Not an innovation",
    "Already sent",
    "Outside this campaign's scope",
    "Contains personal information",
]
GROUP = "Moderator"
PERMISSIONS = [
    ("rejectionreason", ["view", "add", "change"]),
    ("email", ["view"]),
    ("alertpreference", ["view", "add", "change"]),
]


def seed_reasons(apps, schema_editor):
    RejectionReason = apps.get_model("innovations", "RejectionReason")
    for position, text in enumerate(REASONS, start=1):
        RejectionReason.objects.get_or_create(text=text, defaults={"position": position * 10})


def grant_moderators(apps, schema_editor):
    app_config = apps.get_app_config("innovations")
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
                content_type__app_label="innovations", codename=f"{action}_{model}"
            )
            for model, actions in PERMISSIONS
            for action in actions
        ]
    )


def forwards(apps, schema_editor):
    seed_reasons(apps, schema_editor)
    grant_moderators(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("innovations", "0008_issue14_loop")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
