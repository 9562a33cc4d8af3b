from django.core.management.base import BaseCommand

from campaign.demo import load_demo
from innovations.models import Innovation


class Command(BaseCommand):
    help = "Load the demo campaigns (2014's and one open now). Safe to run again."

    def handle(self, *args, **options):
        for campaign in load_demo():
            tally = Innovation.objects.for_campaign(campaign).counted().tally()
            self.stdout.write(
                f"{campaign.title}: {tally['innovations']} innovations from "
                f"{tally['organisations']} organisations ({campaign.status()})"
            )
