from django.apps import AppConfig


class DevConfig(AppConfig):
    """Development tools: the 2014 demo, synthetic data and the benchmark's bare view.

    Installed only when DEBUG is on or DEV_TOOLS=1 (tests, `make run`, `make bench`),
    never in production.
    """

    name = "dev"
    verbose_name = "Development tools"
