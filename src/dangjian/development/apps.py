from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "dangjian.development"
    verbose_name = "发展党员"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from dangjian.development import rules  # noqa: F401  (registers the rule domain)
        from dangjian.development.models import Applicant, DevelopmentPlan, StepDocument, StepRecord

        secret = [
            "id_number_enc",
            "id_number_hash",
            "phone_enc",
            "stroke_key",
            "pinyin",
            "pinyin_initials",
        ]
        auditlog.register(Applicant, exclude_fields=secret)
        auditlog.register(StepRecord, m2m_fields={"contacts", "introducers"})
        auditlog.register(StepDocument)
        auditlog.register(DevelopmentPlan)

        from dangjian.core.reminders import register_reminders
        from dangjian.development.reminders import development_reminders

        register_reminders("development", development_reminders)
