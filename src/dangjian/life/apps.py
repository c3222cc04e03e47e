from django.apps import AppConfig


class LifeConfig(AppConfig):
    name = "dangjian.life"
    label = "life"
    verbose_name = "组织生活"

    def ready(self):
        from auditlog.registry import auditlog

        from dangjian.core.reminders import register_reminders
        from dangjian.life import rules  # noqa: F401  (registers the "life" rule domain)
        from dangjian.life.models import (
            Appraisal,
            AppraisalEntry,
            Attendance,
            GuestAttendance,
            Meeting,
            MeetingCorrection,
        )
        from dangjian.life.reminders import life_reminders
        from dangjian.life.selectors import last_attended
        from dangjian.members.lapse import register_lapse_source

        auditlog.register(Meeting)
        auditlog.register(Attendance)
        auditlog.register(Appraisal)
        auditlog.register(AppraisalEntry)
        auditlog.register(GuestAttendance)
        auditlog.register(MeetingCorrection)
        register_reminders("life", life_reminders)
        # RULES.md 1.17 / 3.4: six months without 组织生活 is one of the facts of 自行脱党. Only members
        # with an attendance record (at home, or as a guest where a 流动党员 is hosted, RULES.md 3.6)
        # are known; a member never recorded is not listed from here.
        register_lapse_source("life", "参加组织生活", last_attended, absent_is_unknown=True)
