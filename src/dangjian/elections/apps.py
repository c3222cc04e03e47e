from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "dangjian.elections"
    label = "elections"
    verbose_name = "选举"

    def ready(self):
        from auditlog.registry import auditlog

        from dangjian.core.reminders import register_reminders
        from dangjian.elections import (
            models,
            rules,  # noqa: F401  (registers the "elections" and "terms" domains)
        )
        from dangjian.elections.reminders import term_reminders

        for model in (
            models.Term,
            models.TermChange,
            models.Election,
            models.Exclusion,
            models.Round,
            models.RoundCandidate,
            models.Ballot,
            models.PostChange,
        ):
            auditlog.register(model)
        register_reminders("elections", term_reminders)
