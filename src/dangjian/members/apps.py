from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from dangjian.members import rules  # noqa: F401  (registers the "membership" rule domain)
        from dangjian.members.models import MemberStatusChange

        auditlog.register(MemberStatusChange)

        from dangjian.core.reminders import register_reminders
        from dangjian.members.reminders import status_reminders

        register_reminders("membership", status_reminders)
