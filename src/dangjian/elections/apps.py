from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "dangjian.elections"
    label = "elections"
    verbose_name = "选举"

    def ready(self):
        from dangjian.elections import rules  # noqa: F401  (registers the "elections" rule domain)
