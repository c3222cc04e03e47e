"""Terms of committees, 换届选举 with their rounds and ballots, and 届中任免 (RULES.md 4, 5.4).

Every record sits at one organisation and keeps a copy of its path for scope (`org_path`, kept in
step by `orgs.services.move_subtree`). Records are permanent: a step that is refused or returned is
an event in the history, a postponement keeps the old due date, a mistyped ballot is cancelled (kept,
not counted) rather than deleted.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import ELECTION


class Body(models.TextChoices):
    COMMITTEE = "committee", _("委员会")
    BRANCH_COMMITTEE = "branch_committee", _("支部委员会")
    SECRETARY = "secretary", _("支部书记（不设支部委员会）")


class Term(models.Model):
    """One term (届) of an organisation's committee, or of the lone 书记 of a small branch."""

    resource = ELECTION
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="terms",
        verbose_name=_("党组织"),
    )
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    body = models.CharField(_("班子"), max_length=20, choices=Body.choices)
    started_on = models.DateField(_("本届开始"))
    length_years = models.PositiveSmallIntegerField(_("每届年限"))
    due_on = models.DateField(_("届满日期"))
    original_due_on = models.DateField(_("原定届满日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    # SET_NULL only so that Term ⇄ Election is not a cycle of protections (the demo reset empties
    # the tables); the application never deletes an election.
    opened_by = models.ForeignKey(
        "Election",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("产生本届的选举"),
    )
    rule_version = models.CharField(_("任期依据"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("任期")
        verbose_name_plural = _("任期")
        ordering = ["due_on", "org_path"]
        constraints = [
            models.UniqueConstraint(
                fields=["org"],
                condition=models.Q(ended_on__isnull=True),
                name="elections_one_open_term",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.started_on:%Y-%m-%d}—{self.due_on:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待批复")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class TermChangeKind(models.TextChoices):
    POSTPONE = "postpone", _("延期换届")
    ADVANCE = "advance", _("提前换届")


class TermChange(models.Model):
    """A request to postpone or advance a 换届 (RULES.md 4.1); approved above, it moves the due date."""

    resource = ELECTION
    scope_path_field = "org_path"

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="changes")
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("事项"), max_length=10, choices=TermChangeKind.choices)
    old_due_on = models.DateField(_("原届满日期"))
    new_due_on = models.DateField(_("拟换届日期"))
    reason = models.TextField(_("理由"))
    exception_basis = models.TextField(_("超过1年的特殊情况及依据"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("批复时间"), null=True, blank=True)
    decision_note = models.TextField(_("批复意见"), blank=True)

    class Meta:
        verbose_name = _("延期或提前换届申请")
        verbose_name_plural = _("延期或提前换届申请")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.term.org}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class Stage(models.TextChoices):
    REQUESTED = "requested", _("请示待批复")
    RETURNED = "returned", _("请示被退回")
    PLAN_APPROVED = "plan_approved", _("请示已批复，待确定候选人")
    CANDIDATES = "candidates", _("候选人已确定，待召开选举大会")
    VOTING = "voting", _("选举大会：投票计票")
    LEADERS = "leaders", _("委员已选出，待选举书记、副书记")
    RESULT_READY = "result_ready", _("选举结果待报批")
    RESULT_SUBMITTED = "result_submitted", _("选举结果待批复")
    COMPLETED = "completed", _("已批复，职务已更新")


class Election(models.Model):
    """One 换届选举 of one organisation, from the 请示 to the updated posts."""

    resource = ELECTION
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="elections",
        verbose_name=_("党组织"),
    )
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    old_term = models.ForeignKey(
        Term, null=True, blank=True, on_delete=models.PROTECT, related_name="elections"
    )
    new_term = models.ForeignKey(
        Term, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.CharField(_("选举产生"), max_length=20, choices=Body.choices)
    stage = models.CharField(
        _("进度"), max_length=20, choices=Stage.choices, default=Stage.REQUESTED
    )
    plan = models.TextField(_("换届工作方案"))
    seats = models.PositiveSmallIntegerField(_("委员应选名额"))
    proposed_candidates = models.PositiveSmallIntegerField(_("拟提名候选人数"))
    deputy_seats = models.PositiveSmallIntegerField(_("副书记名额"), default=0)
    leaders_same_meeting = models.BooleanField(_("书记、副书记在同一次会议上选举"), default=True)
    planned_on = models.DateField(_("拟召开选举大会日期"), null=True, blank=True)
    # The election meeting (党员大会). The electorate is derived from the roster, never typed.
    meeting_on = models.DateField(_("选举大会日期"), null=True, blank=True)
    voters_on_roll = models.PositiveIntegerField(_("有选举权的党员"), null=True, blank=True)
    electorate = models.PositiveIntegerField(_("应到会有选举权人数"), null=True, blank=True)
    present = models.PositiveIntegerField(_("实到会有选举权人数"), null=True, blank=True)
    leaders_on = models.DateField(_("选举书记、副书记日期"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    result_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("换届选举")
        verbose_name_plural = _("换届选举")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.org}换届选举"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}

    @property
    def has_committee(self) -> bool:
        return self.body != Body.SECRETARY


class Event(models.Model):
    """One step in an election's history, in the words the page shows."""

    resource = ELECTION
    scope_path_field = "election__org_path"

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    step = models.CharField(max_length=30)
    text = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Exclusion(models.Model):
    """A voter not counted in 应到会, with the 上级's consent and the reason (RULES.md 4.16)."""

    resource = ELECTION
    scope_path_field = "election__org_path"

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="exclusions")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("不列入应到会的原因"), max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "member"], name="elections_exclude_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}：{self.reason}"


class Office(models.TextChoices):
    MEMBER = "member", _("委员")
    SECRETARY = "secretary", _("书记")
    DEPUTY = "deputy", _("副书记")


class RoundKind(models.TextChoices):
    FIRST = "first", _("正式选举")
    REVOTE = "revote", _("再次投票")
    ADDITIONAL = "additional", _("另行选举")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("投票中")
    COUNTED = "counted", _("已计票")
    QUORUM_NOT_MET = "quorum_not_met", _("到会人数不足")
    VOID = "void", _("选举无效")


class Round(models.Model):
    """One vote: of the 党员大会 for 委员 (or for the lone 书记), or of the committee for 书记/副书记."""

    resource = ELECTION
    scope_path_field = "election__org_path"

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    office = models.CharField(_("选举"), max_length=10, choices=Office.choices)
    kind = models.CharField(_("类别"), max_length=12, choices=RoundKind.choices)
    seats = models.PositiveSmallIntegerField(_("应选名额"))
    held_on = models.DateField(_("投票日期"), null=True, blank=True)
    electorate = models.PositiveIntegerField(_("应到会有选举权人数"), null=True, blank=True)
    present = models.PositiveIntegerField(_("实到会有选举权人数"), null=True, blank=True)
    ballots_issued = models.PositiveIntegerField(_("发出选票"), null=True, blank=True)
    ballots_returned = models.PositiveIntegerField(_("收回选票"), null=True, blank=True)
    by_totals = models.BooleanField(_("按汇总得票数计票"), default=False)
    invalid_count = models.PositiveIntegerField(_("无效票"), null=True, blank=True)
    status = models.CharField(
        _("结果"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    result = models.JSONField(_("计票结果"), default=dict, blank=True)
    rule_version = models.CharField(_("计票规则版本"), max_length=200, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["election", "number"]
        constraints = [
            models.UniqueConstraint(fields=["election", "number"], name="elections_round_once")
        ]

    def __str__(self) -> str:
        return f"第{self.number}轮 {self.get_office_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


class RoundCandidate(models.Model):
    resource = ELECTION
    scope_path_field = "round__election__org_path"

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="candidates")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("选票上的顺序"))
    votes = models.PositiveIntegerField(_("得票"), null=True, blank=True)
    elected = models.BooleanField(_("当选"), default=False)
    portfolio = models.CharField(_("分工"), max_length=16, blank=True)

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], name="elections_candidate_once")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}-{self.position}"


class Ballot(models.Model):
    """One ballot as marked: the candidates ticked. A mistyped ballot is cancelled, never deleted."""

    resource = ELECTION
    scope_path_field = "round__election__org_path"

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="ballots")
    number = models.PositiveIntegerField(_("序号"))
    marks = models.JSONField(_("所选候选人"), default=list)
    cancelled = models.BooleanField(_("已作废重录"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round", "number"]

    def __str__(self) -> str:
        return f"第{self.number}张选票"


class PostChangeKind(models.TextChoices):
    APPOINT = "appoint", _("增补（补选）")
    REMOVE = "remove", _("免职")


class PostChange(models.Model):
    """届中任免: add or remove a committee member, or change 书记/副书记, approved above."""

    resource = ELECTION
    scope_path_field = "org_path"

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="post_changes")
    org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(_("事项"), max_length=10, choices=PostChangeKind.choices)
    office = models.CharField(_("职务"), max_length=10, choices=Office.choices)
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员")
    )
    portfolio = models.CharField(_("分工"), max_length=16, blank=True)
    effective_on = models.DateField(_("生效日期"))
    reason = models.TextField(_("理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("批复时间"), null=True, blank=True)
    decision_note = models.TextField(_("批复意见"), blank=True)

    class Meta:
        verbose_name = _("届中任免")
        verbose_name_plural = _("届中任免")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.org} {self.get_kind_display()}{self.get_office_display()} {self.member}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}
