from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "dangjian.transfers"
    label = "transfers"
    verbose_name = "组织关系接转"

    def ready(self):
        from auditlog.registry import auditlog

        from dangjian.transfers import rules  # noqa: F401  (registers the "transfer" rule domain)
        from dangjian.transfers.models import (
            FloatingRecord,
            FloatingReport,
            Transfer,
            TransferEvent,
        )

        auditlog.register(
            Transfer, exclude_fields=["incoming_id_enc", "incoming_phone_enc", "incoming_data"]
        )
        auditlog.register(TransferEvent)
        auditlog.register(FloatingRecord, exclude_fields=["contact_enc"])
        auditlog.register(FloatingReport)

        from dangjian.core.reminders import register_reminders
        from dangjian.transfers.reminders import transfer_reminders

        register_reminders("transfers", transfer_reminders)
