from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "dangjian.funds"
    label = "funds"
    verbose_name = "经费"

    def ready(self):
        from auditlog.registry import auditlog

        from dangjian.funds import rules  # noqa: F401  (registers the "funds" rule domain)
        from dangjian.funds.models import BudgetLine, FundEntry

        auditlog.register(FundEntry)
        auditlog.register(BudgetLine)
