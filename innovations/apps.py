from django.apps import AppConfig
from django.db.models.signals import post_save


def _campaign_saved(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: no jobs for fixtures
        return
    from .notifications import closing_schedule

    closing_schedule(instance)


class InnovationsConfig(AppConfig):
    name = "innovations"
    verbose_name = "Innovations"

    def ready(self):
        # The thank-you at the close and the pace checks wait for moments in a campaign's
        # schedule. Campaigns sit below innovations (campaign never imports innovations),
        # so a saved campaign reaches the scheduler by this signal; whenever the close
        # time moves, a job for the new time is queued and the old one does nothing.
        from campaign.models import Campaign

        post_save.connect(_campaign_saved, sender=Campaign, dispatch_uid="innovations-closing")

        # A deleted innovation's picture files go with it, however it was deleted (one in
        # admin, a queryset, or a cascade from its submission, which calls no delete()):
        # a signal is the one place every path passes. After the commit, so a rolled-back
        # delete keeps its files.
        from django.db.models.signals import post_delete

        from .models import Innovation
        from .pictures import picture_delete_on_commit

        post_delete.connect(
            picture_delete_on_commit, sender=Innovation, dispatch_uid="innovation-picture"
        )
