from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    label = "dues"
    verbose_name = "党费"

    def ready(self):
        from auditlog.registry import auditlog

        from dangjian.dues.models import DuesStandard

        auditlog.register(DuesStandard)
