"""群众意见: raw opinions, consolidated cases (诉求事项), handling tasks per unit, and their history.

An `Opinion` is what a citizen said, kept as said: never edited, never deleted. The only thing that
changes on it is which case it belongs to, and every such change is a `MergeLog` row (who, when,
why). A `Case` is the consolidated matter staff handle; it is routed to one lead unit (主办) and
any number of co-units (协办), each a `CaseTask` with its own deadline and progress notes.

Scope: a case sits at its intake organisation (`intake_path`); a task sits at its unit's
organisation (`unit_path`). A case is visible to users whose grant covers either
(selectors.cases_for); staff of an uninvolved unit do not see it (404).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import OPINION


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("部门")
    PARTY_ORG = "party_org", _("机关党组织")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    OTHER = "other", _("其他")


class PlaceKind(models.TextChoices):
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上提交")
    MEETING = "meeting", _("会议")
    VISIT = "visit", _("走访")
    LETTER = "letter", _("来信")
    HOTLINE = "hotline", _("热线")
    IMPORT = "import", _("导入")


class Level(models.TextChoices):
    """办理层级, the article's three-way split."""

    COORDINATE = "coordinate", _("需党委政府统筹协调")
    SINGLE = "single", _("单一部门办理")
    JOINT = "joint", _("多部门联合办理")


class CaseState(models.TextChoices):
    TO_ROUTE = "to_route", _("待交办")
    HANDLING = "handling", _("办理中")
    REOPENED = "reopened", _("重办")
    REPLIED = "replied", _("已答复")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("办结")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")


HANDLING_STATES = (CaseState.HANDLING, CaseState.REOPENED)
TERMINAL_STATES = (CaseState.CLOSED, CaseState.REJECTED, CaseState.MERGED)
OPEN_STATES = (CaseState.TO_ROUTE, *HANDLING_STATES, CaseState.REPLIED, CaseState.FOLLOWED_UP)


class TaskRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("协办")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class MergeAction(models.TextChoices):
    CONSOLIDATE = "consolidate", _("归并")
    SPLIT = "split", _("拆分")
    MOVE = "move", _("移动")
    MERGE = "merge", _("合并事项")


class EventKind(models.TextChoices):
    CREATED = "created", _("形成事项")
    ROUTED = "routed", _("交办")
    URGE = "urge", _("催办")
    SUPERVISE = "supervise", _("督办")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("批准延期")
    EXTENSION_REFUSED = "extension_refused", _("不予延期")
    ESCALATED = "escalated", _("提级为统筹协调")
    TASK_DONE = "task_done", _("单位办理完成")
    REPLIED = "replied", _("答复")
    FOLLOW_UP = "follow_up", _("回访")
    REOPENED = "reopened", _("重办")
    CLOSED = "closed", _("办结")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("合并到其他事项")


class Unit(models.Model):
    """承办单位: a department, an agency Party organisation, a village or community.

    Its staff are the users whose grants cover its organisation in the tree; a unit without an
    organisation has no staff of its own (the 工委 acts for it).
    """

    resource = OPINION
    scope_path_field = "org_path"

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    kind = models.CharField(_("单位类型"), max_length=20, choices=UnitKind.choices)
    org = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinion_units",
        verbose_name=_("对应党组织"),
    )
    org_path = models.CharField(max_length=255, editable=False, blank=True)
    # Categories this unit is responsible for: the routing rule (services.suggest_routing) reads them.
    categories = models.ManyToManyField(
        "Category", blank=True, related_name="units", verbose_name=_("负责类别")
    )
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.org_path = self.org.path if self.org_id else ""
        super().save(*args, **kwargs)

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class Place(models.Model):
    """A community or village a citizen can choose on the intake page."""

    name = models.CharField(_("社区（村）"), max_length=100, unique=True)
    kind = models.CharField(
        _("类型"), max_length=20, choices=PlaceKind.choices, default=PlaceKind.COMMUNITY
    )
    town = models.CharField(_("所属街道（乡镇）"), max_length=100, blank=True)
    # Where opinions from here are received; the 工委 when empty.
    org = models.ForeignKey(
        "orgs.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("受理党组织"),
    )
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("社区（村）")
        verbose_name_plural = _("社区（村）")
        ordering = ["town", "name"]

    def __str__(self) -> str:
        return f"{self.town}{self.name}" if self.town else self.name


class Category(models.Model):
    """Topic category, two levels (一级 with parent empty, 二级 under it)."""

    name = models.CharField(_("类别名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级类别"),
    )
    # 需区委区政府统筹协调: matters of this category go to level 1 by the routing rule.
    needs_coordination = models.BooleanField(_("需党委政府统筹协调"), default=False)
    # A category's own time limit overrides the level's (rule domain "opinions").
    deadline_days = models.PositiveSmallIntegerField(_("办理时限（日）"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("类别")
        verbose_name_plural = _("类别")
        ordering = ["parent_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="opinion_category_unique"),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="opinion_category_top_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name}／{self.name}" if self.parent_id else self.name

    @property
    def top(self) -> Category:
        return self.parent if self.parent_id else self


class Case(models.Model):
    """诉求事项: one matter consolidated from one or more opinions."""

    resource = OPINION
    scope_path_field = "intake_path"

    number = models.CharField(_("事项编号"), max_length=20, unique=True)
    title = models.CharField(_("事项名称"), max_length=200)
    summary = models.TextField(_("事项概要"), blank=True)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("类别"),
    )
    level = models.CharField(_("办理层级"), max_length=20, choices=Level.choices, blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=CaseState.choices, default=CaseState.TO_ROUTE
    )
    intake_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("受理党组织"),
    )
    intake_path = models.CharField(max_length=255, editable=False)
    routed_on = models.DateField(_("交办日期"), null=True, blank=True)
    deadline = models.DateField(_("办理期限"), null=True, blank=True)
    escalated = models.BooleanField(_("已提级"), default=False)
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    reply_text = models.TextField(_("答复内容"), blank=True)
    reply_summary = models.CharField(_("答复摘要"), max_length=500, blank=True)
    reply_published = models.BooleanField(_("公开答复"), default=False)
    replied_on = models.DateField(_("答复日期"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("答复签发人"),
    )
    closed_on = models.DateField(_("终结日期"), null=True, blank=True)
    end_reason = models.CharField(_("终结原因"), max_length=500, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
        verbose_name=_("合并到"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(_("形成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("诉求事项")
        verbose_name_plural = _("诉求事项")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["intake_path", "state"], name="opinion_case_scope"),
            models.Index(fields=["state", "deadline"], name="opinion_case_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.intake_path}

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def in_handling(self) -> bool:
        return self.state in HANDLING_STATES

    def lead_task(self) -> CaseTask | None:
        return next((t for t in self.tasks.all() if t.role == TaskRole.LEAD), None)


class ReadOnlyError(Exception):
    pass


class Opinion(models.Model):
    """群众意见 as received. Never edited or deleted; only its case link changes (with a MergeLog)."""

    resource = OPINION
    scope_path_field = "intake_path"

    receipt = models.CharField(_("回执编号"), max_length=20, unique=True)
    text = models.TextField(_("意见内容"))
    title = models.CharField(_("标题"), max_length=200, blank=True)
    place = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinions",
        verbose_name=_("社区（村）"),
    )
    place_text = models.CharField(_("地点（原文）"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinions",
        verbose_name=_("类别"),
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("收到时间"))
    intake_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("受理党组织"),
    )
    intake_path = models.CharField(max_length=255, editable=False)
    submitter_name_enc = models.TextField(_("姓名（密文）"), blank=True)
    submitter_name_masked = models.CharField(_("姓名"), max_length=20, blank=True)
    phone_enc = models.TextField(_("联系电话（密文）"), blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    # Blind index of the client address, for the intake rate limit only (never the address itself).
    client_key = models.CharField(max_length=64, blank=True, db_index=True)
    source_ref = models.CharField(_("来源记录"), max_length=100, blank=True)
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opinions",
        verbose_name=_("诉求事项"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("群众意见")
        verbose_name_plural = _("群众意见")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["intake_path", "received_at"], name="opinion_scope_received"),
            models.Index(fields=["case", "received_at"], name="opinion_case_received"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} {self.text[:20]}"

    def save(self, *args, **kwargs):
        # The raw record is permanent: after creation only the case link may be written
        # (and the copied intake path, which orgs.services keeps in step with a queryset update).
        if self.pk is not None and set(kwargs.get("update_fields") or ()) - {"case"}:
            raise ReadOnlyError("群众意见原文不能修改。")
        if self.pk is not None and not kwargs.get("update_fields"):
            raise ReadOnlyError("群众意见原文不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReadOnlyError("群众意见不能删除。")

    def get_additional_data(self) -> dict:
        return {"org_path": self.intake_path}


class MergeLog(models.Model):
    """Every change of an opinion's case: consolidate, split, move, merge of whole cases."""

    opinion = models.ForeignKey(Opinion, on_delete=models.PROTECT, related_name="merge_log")
    action = models.CharField(_("操作"), max_length=20, choices=MergeAction.choices)
    from_case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("原事项"),
    )
    to_case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("新事项")
    )
    reason = models.CharField(_("理由"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("归并记录")
        verbose_name_plural = _("归并记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.opinion_id}"


class CaseTask(models.Model):
    """One unit's part of a case: 主办 (exactly one per case) or 协办."""

    resource = OPINION
    scope_path_field = "unit_path"

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("诉求事项")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("承办单位")
    )
    unit_path = models.CharField(max_length=255, editable=False, blank=True)
    role = models.CharField(_("承办方式"), max_length=10, choices=TaskRole.choices)
    text = models.TextField(_("办理要求"), blank=True)
    deadline = models.DateField(_("办理期限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("承办任务")
        verbose_name_plural = _("承办任务")
        ordering = ["-role", "id"]  # 主办 (lead) before 协办 (co)
        constraints = [
            models.UniqueConstraint(fields=["case", "unit"], name="opinion_task_unit_once"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(role="lead"), name="opinion_task_one_lead"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit}（{self.get_role_display()}）"

    def save(self, *args, **kwargs):
        self.unit_path = self.unit.org_path
        super().save(*args, **kwargs)

    def get_additional_data(self) -> dict:
        return {"org_path": self.unit_path}


class ProgressNote(models.Model):
    task = models.ForeignKey(CaseTask, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField(_("办理进展"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")


class ExtensionRequest(models.Model):
    task = models.ForeignKey(CaseTask, on_delete=models.PROTECT, related_name="extensions")
    new_deadline = models.DateField(_("申请延至"))
    reason = models.CharField(_("延期理由"), max_length=500)
    state = models.CharField(
        _("审批状态"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.task} → {self.new_deadline}"


class CaseEvent(models.Model):
    """The case's timeline: 交办, 催办, 督办, 延期, 提级, 答复, 回访, 重办, 终结 …"""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事件"), max_length=30, choices=EventKind.choices)
    text = models.TextField(_("内容"), blank=True)
    on = models.DateField(_("日期"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"


class FollowUp(models.Model):
    """回访: one rating per opinion (or one by staff) per handling round."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="follow_ups")
    opinion = models.ForeignKey(
        Opinion, null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    round = models.PositiveSmallIntegerField(_("办理轮次"))
    result = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices)
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    by_citizen = models.BooleanField(_("群众自评"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField(_("回访日期"))
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opinion", "round"],
                condition=Q(opinion__isnull=False),
                name="opinion_followup_once",
            ),
        ]

    def __str__(self) -> str:
        return self.get_result_display()


class ReplyTemplate(models.Model):
    name = models.CharField(_("模板名称"), max_length=100, unique=True)
    body = models.TextField(_("模板内容"))

    class Meta:
        verbose_name = _("答复模板")
        verbose_name_plural = _("答复模板")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
