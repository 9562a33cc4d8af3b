from django.core.management.base import BaseCommand

from dev.demo import load_demo
from innovations.tally import campaign_tally


class Command(BaseCommand):
    help = "Load the demo campaigns (2014's and one open now). Safe to run again."

    def handle(self, *args, **options):
        for campaign in load_demo():
            tally = campaign_tally(campaign)
            self.stdout.write(f"{campaign.title}: {tally.summary()} ({campaign.status()})")
