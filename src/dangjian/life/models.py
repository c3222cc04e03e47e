"""三会一课, 主题党日 and the other meetings of organisational life (RULES.md 4.15), with attendance.

A meeting sits at one organisation and carries a copy of its path for scope (kept in step by
`orgs.services.move_subtree`). Records are permanent: a correction replaces fields through
`life.services.correct_meeting` and the audit log keeps the before/after.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import LIFE


class MeetingKind(models.TextChoices):
    BRANCH_ASSEMBLY = "branch_assembly", _("支部党员大会")
    COMMITTEE = "committee", _("支委会")
    GROUP = "group", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")
    HEART_TALK = "heart_talk", _("谈心谈话")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("出席")
    ABSENT = "absent", _("缺席")
    EXCUSED = "excused", _("请假")


class Meeting(models.Model):
    resource = LIFE
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("党组织"),
    )
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("类别"), max_length=16, choices=MeetingKind.choices)
    held_on = models.DateField(_("召开日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    topic = models.CharField(_("主题"), max_length=300)
    chair = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主持人"),
    )
    minutes = models.TextField(_("会议记录"), blank=True)
    decisions = models.TextField(_("决定事项"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织生活记录")
        verbose_name_plural = _("组织生活记录")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["org", "kind", "held_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on:%Y-%m-%d} {self.topic}"


class Attendance(models.Model):
    resource = LIFE
    scope_path_field = "meeting__org_path"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="meeting_attendance",
        verbose_name=_("党员"),
    )
    status = models.CharField(
        _("出席情况"),
        max_length=10,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.PRESENT,
    )
    reason = models.CharField(_("缺席或请假原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("出席情况")
        verbose_name_plural = _("出席情况")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="life_attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.member_id} {self.status}"


class AppraisalResult(models.TextChoices):
    """民主评议党员 results (RULES.md 4.15; 党员教育管理工作条例)."""

    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


# Results that need a recorded follow-up (RULES.md 1.17: 限期改正 → 劝退 → 除名).
NEEDS_FOLLOW_UP = frozenset({AppraisalResult.BASIC, AppraisalResult.UNQUALIFIED})


class FollowUpDecision(models.TextChoices):
    RECTIFY = "rectify", _("限期改正")
    PERSUADE = "persuade", _("劝其退党或予以除名")


class Appraisal(models.Model):
    """One 民主评议党员 round of an organisation in a year (held at a 组织生活会, optionally linked)."""

    resource = LIFE
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="appraisals",
        verbose_name=_("党组织"),
    )
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    year = models.PositiveSmallIntegerField(_("评议年度"))
    held_on = models.DateField(_("评议日期"))
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisals",
        verbose_name=_("召开评议的组织生活会"),
    )
    note = models.TextField(_("评议情况说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("民主评议党员")
        verbose_name_plural = _("民主评议党员")
        ordering = ["-year", "org_path"]
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="life_appraisal_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.org_id}"


class AppraisalEntry(models.Model):
    """One member's 民主评议 result in a year, with the follow-up 基本合格 and 不合格 require."""

    resource = LIFE
    scope_path_field = "appraisal__org_path"

    appraisal = models.ForeignKey(Appraisal, on_delete=models.PROTECT, related_name="entries")
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="appraisal_entries",
        verbose_name=_("党员"),
    )
    year = models.PositiveSmallIntegerField(_("评议年度"))
    result = models.CharField(_("评议结果"), max_length=12, choices=AppraisalResult.choices)
    decision = models.CharField(
        _("处置意见"), max_length=12, choices=FollowUpDecision.choices, blank=True
    )
    deadline = models.DateField(_("改正期限"), null=True, blank=True)
    help_measure = models.CharField(_("帮扶措施"), max_length=500, blank=True)
    closed_on = models.DateField(_("处置办结日期"), null=True, blank=True)
    outcome = models.CharField(_("处置结果"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("民主评议结果")
        verbose_name_plural = _("民主评议结果")
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="life_appraisal_member_year")
        ]
        indexes = [models.Index(fields=["result", "closed_on"])]

    def __str__(self) -> str:
        return f"{self.year} {self.member_id} {self.result}"

    @property
    def needs_follow_up(self) -> bool:
        return self.result in NEEDS_FOLLOW_UP


class GuestAttendance(models.Model):
    """A 流动党员 who took part in a meeting of the branch hosting them (列席, RULES.md 3.6).

    Not part of the branch's 应到/实到 or any quorum, and no vote; but it is 参加组织生活 for the
    member (the 6-month lapse source reads it), so a member away keeps organisational life.
    `member` is set for members of our own tree (外出 hosted here); a 流入 guest from outside has
    only the floating record's name.
    """

    resource = LIFE
    scope_path_field = "meeting__org_path"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="guests")
    floating = models.ForeignKey(
        "transfers.FloatingRecord",
        on_delete=models.PROTECT,
        related_name="guest_attendance",
        verbose_name=_("流动党员记录"),
    )
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guest_attendance",
        verbose_name=_("党员"),
    )
    person_name = models.CharField(_("姓名"), max_length=50)

    class Meta:
        verbose_name = _("流入党员列席")
        verbose_name_plural = _("流入党员列席")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "floating"], name="life_guest_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.person_name}"


class MeetingCorrection(models.Model):
    """One correction of a meeting record: who, when, why, and what changed (shown on the meeting).

    The audit log keeps the field-level before/after as well; this is the readable history.
    `changes` is a list of {"field": label, "before": text, "after": text}.
    """

    resource = LIFE
    scope_path_field = "meeting__org_path"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="corrections")
    reason = models.CharField(_("更正原因"), max_length=500)
    changes = models.JSONField(_("更正内容"), default=list)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    corrected_at = models.DateTimeField(_("更正时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会议记录更正")
        verbose_name_plural = _("会议记录更正")
        ordering = ["-corrected_at", "-id"]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.corrected_at:%Y-%m-%d}"
