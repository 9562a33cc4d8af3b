from django.apps import AppConfig


class InnovationsConfig(AppConfig):
    name = "innovations"
    verbose_name = "Innovations"

    def ready(self):
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
