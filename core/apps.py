from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app may use: time in words, links, caching, client addresses. No models."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from . import mail

        mail.register()
