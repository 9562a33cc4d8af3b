"""Themes become the campaign's own rows (answers and pictures follow in 0011).

Every innovation (and every history record of one) keeps its theme: the old stored
value ("skills_employment") is the slug of the campaign's theme made by
campaign/0002, so each innovation points at the row of its own campaign with that
slug. Reversing writes the slugs back.
"""

import django.db.models.deletion
from django.db import migrations, models


def point_at_campaign_themes(apps, schema_editor):
    Theme = apps.get_model("campaign", "Theme")
    for model_name in ("Innovation", "HistoricalInnovation"):
        model = apps.get_model("innovations", model_name)
        pairs = model.objects.values_list("campaign_id", "old_theme").distinct()
        for campaign_id, value in list(pairs):
            if campaign_id is None:
                continue
            theme = Theme.objects.filter(campaign_id=campaign_id, slug=value).first()
            if theme is None:  # a value the old constraint did not know: keep it as a theme
                count = Theme.objects.filter(campaign_id=campaign_id).count()
                theme = Theme.objects.create(
                    campaign_id=campaign_id,
                    slug=value or "other",
                    name=(value or "Other").replace("_", " ").capitalize(),
                    order=count + 1,
                )
            model.objects.filter(campaign_id=campaign_id, old_theme=value).update(theme=theme)


def back_to_stored_values(apps, schema_editor):
    Theme = apps.get_model("campaign", "Theme")
    for model_name in ("Innovation", "HistoricalInnovation"):
        model = apps.get_model("innovations", model_name)
        for theme in Theme.objects.all():
            model.objects.filter(theme=theme).update(old_theme=theme.slug)


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0004_themes_questions_site_settings"),
        ("innovations", "0009_issue14_reasons_and_permissions"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="innovation", name="innovation_theme_valid"),
        migrations.RenameField(model_name="innovation", old_name="theme", new_name="old_theme"),
        migrations.RenameField(
            model_name="historicalinnovation", old_name="theme", new_name="old_theme"
        ),
        migrations.AddField(
            model_name="innovation",
            name="theme",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="innovations",
                to="campaign.theme",
            ),
        ),
        migrations.AddField(
            model_name="historicalinnovation",
            name="theme",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="campaign.theme",
            ),
        ),
        migrations.RunPython(point_at_campaign_themes, back_to_stored_values),
        migrations.RemoveField(model_name="innovation", name="old_theme"),
        migrations.RemoveField(model_name="historicalinnovation", name="old_theme"),
        migrations.AlterField(
            model_name="innovation",
            name="theme",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="innovations",
                to="campaign.theme",
            ),
        ),
    ]
