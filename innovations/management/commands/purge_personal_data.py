from django.core.management.base import BaseCommand, CommandError

from campaign.models import Campaign
from core.timewords import when_words
from innovations.retention import (
    pictures_purge,
    purge_personal_data,
    submissions_holding_personal_data,
    unclaimed_pictures_purge,
)


class Command(BaseCommand):
    help = (
        "Remove submitters' names, emails, roles and Twitter handles from one campaign's "
        "submissions, keeping the innovations; delete the pictures of its rejected "
        "innovations and any stored picture no innovation uses (older than a day). "
        "Refuses while the campaign has not closed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, metavar="SLUG")
        parser.add_argument(
            "--force", action="store_true", help="purge even though the campaign has not closed"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be removed, change nothing"
        )

    def handle(self, *args, campaign, force, dry_run, **options):
        try:
            campaign = Campaign.objects.get(slug=campaign)
        except Campaign.DoesNotExist:
            raise CommandError(f'There is no campaign with the slug "{campaign}".') from None

        if campaign.status() != Campaign.Status.CLOSED and not force:
            raise CommandError(
                f'"{campaign}" has not closed yet (it closes at '
                f"{when_words(campaign.closes_at)}). Purge after it closes, or pass --force."
            )

        if dry_run:
            count = submissions_holding_personal_data(campaign).count()
            self.stdout.write(
                f'Dry run: would remove personal data from {count} submission(s) of "{campaign}". '
                "Nothing changed."
            )
            return

        count = purge_personal_data(campaign=campaign)
        pictures = pictures_purge(campaign=campaign)
        unclaimed = unclaimed_pictures_purge()
        self.stdout.write(
            self.style.SUCCESS(
                f'Removed personal data from {count} submission(s) of "{campaign}"; '
                f"{campaign.innovations.count()} innovation(s) kept. "
                f"Removed the pictures of {pictures} rejected innovation(s) and "
                f"{unclaimed} picture file(s) no innovation uses."
            )
        )
