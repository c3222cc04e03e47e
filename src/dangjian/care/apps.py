from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "dangjian.care"
    label = "care"
    verbose_name = "困难党员帮扶"

    def ready(self):
        from auditlog.registry import auditlog

        from dangjian.care import rules  # noqa: F401  (registers the "care" rule domain)
        from dangjian.care.models import (
            CarePair,
            CareRecipient,
            Deed,
            Trainee,
            TrainingCourse,
            Visit,
        )

        # the circumstances are never written to the log, not even as ciphertext
        auditlog.register(CareRecipient, exclude_fields=["circumstances_enc"])
        auditlog.register(CarePair)
        auditlog.register(Visit, m2m_fields={"cadres"})
        auditlog.register(Deed)
        auditlog.register(TrainingCourse)
        auditlog.register(Trainee)
