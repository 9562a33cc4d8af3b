"""The "Moderator" group: exactly what an organiser needs to run the moderation queue.

Moderators approve and reject innovations, read submissions (for contact details),
tidy organisations and their aliases (including merging duplicates, which needs
"change organisation"), and read campaigns (for the counts and the collated report).
They cannot delete anything, edit campaigns or manage users. Idempotent: running it
again sets the same permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderator"
PERMISSIONS = [
    ("innovations", "innovation", ["view", "change"]),
    ("innovations", "submission", ["view"]),
    ("organisations", "organisation", ["view", "change"]),
    ("organisations", "organisationalias", ["view", "add", "change"]),
    ("campaign", "campaign", ["view"]),
]


def create_moderator_group(apps, schema_editor):
    # Permissions are normally made after all migrations (post_migrate); make
    # them now so a fresh database can be given the group in this migration.
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
    permissions = [
        Permission.objects.get(
            content_type__app_label=app_label, codename=f"{action}_{model}"
        )
        for app_label, model, actions in PERMISSIONS
        for action in actions
    ]
    group.permissions.set(permissions)


def remove_moderator_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("campaign", "0001_initial"),
        ("organisations", "0001_initial"),
        ("innovations", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_moderator_group, remove_moderator_group)]
