import time

from django.core.management.base import BaseCommand, CommandError

from dev.synthetic import AlreadyLoaded, load_synthetic


class Command(BaseCommand):
    help = (
        "Load synthetic innovations into a campaign (created, open for its last hour, "
        "if missing) for measuring the site at scale."
    )

    def add_arguments(self, parser):
        parser.add_argument("--innovations", type=int, default=100)
        parser.add_argument("--organisations", type=int, default=20)
        parser.add_argument("--campaign", required=True, metavar="SLUG")
        parser.add_argument("--seed", type=int, default=140, help="same seed, same data")

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            loaded = load_synthetic(
                campaign_slug=options["campaign"],
                innovations=options["innovations"],
                organisations=options["organisations"],
                seed=options["seed"],
            )
        except (AlreadyLoaded, ValueError) as error:
            raise CommandError(str(error)) from error
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(loaded.by_status.items()))
        self.stdout.write(
            f"{loaded.campaign.slug}: {loaded.innovations} innovations in {loaded.submissions} "
            f"submissions from {loaded.organisations} organisations ({statuses}) "
            f"in {time.monotonic() - started:.1f}s"
        )
