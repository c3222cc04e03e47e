from django.apps import AppConfig


class OpinionsConfig(AppConfig):
    name = "dangjian.opinions"
    label = "opinions"
    verbose_name = "群众意见"

    def ready(self):
        from auditlog.registry import auditlog

        from dangjian.opinions import models, rules  # noqa: F401  (registers the "opinions" rule domain)

        # Submitter name and phone are kept only encrypted; the log never holds them.
        auditlog.register(
            models.Opinion, exclude_fields=["submitter_name_enc", "phone_enc", "client_key"]
        )
        auditlog.register(models.Case)
        auditlog.register(models.CaseTask)
        auditlog.register(models.Unit)
        auditlog.register(models.Category)
        auditlog.register(models.Place)
        auditlog.register(models.ExtensionRequest)
        auditlog.register(models.FollowUp)
