from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    label = "dues"
    verbose_name = "党费"

    def ready(self):
        from auditlog.registry import auditlog

        from dangjian.dues import rules  # noqa: F401  (registers the "dues" rule domain)
        from dangjian.dues.models import DuesBase, DuesEntry, DuesRelief, DuesStandard
        from dangjian.dues.selectors import last_payment_dates
        from dangjian.members.lapse import register_lapse_source

        auditlog.register(DuesStandard)
        auditlog.register(DuesBase)
        auditlog.register(DuesEntry)
        auditlog.register(DuesRelief)
        # RULES.md 1.13: six months without paying dues is one of the facts of 自行脱党.
        register_lapse_source("dues", "交纳党费", last_payment_dates, absent_is_unknown=True)

        from dangjian.core.reminders import register_reminders
        from dangjian.dues.reminders import dues_reminders

        register_reminders("dues", dues_reminders)
