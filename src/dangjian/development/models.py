"""发展党员: applicants (入党申请人 → 积极分子 → 发展对象 → 预备党员 → 正式党员), the steps recorded
for them, their documents, and the annual development plans."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import DEVELOPMENT
from dangjian.members.choices import ETHNICITY_CHOICES, Education, Gender, Occupation


class Stage(models.TextChoices):
    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    CANDIDATE = "candidate", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


STAGE_ORDER = [s.value for s in Stage]


class ApplicantStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("培养考察中")
    ADMITTED = "admitted", _("已接收为预备党员")
    CONFIRMED = "confirmed", _("已转为正式党员")
    STOPPED = "stopped", _("已终止")


ACTIVE_STATUSES = (ApplicantStatus.IN_PROGRESS, ApplicantStatus.ADMITTED)


class DecisionBody(models.TextChoices):
    BRANCH_COMMITTEE = "branch_committee", _("支部委员会")
    BRANCH_ASSEMBLY = "branch_assembly", _("支部党员大会")
    PARTY_COMMITTEE = "party_committee", _("基层党委")
    GENERAL_BRANCH = "general_branch", _("党总支")


class ConfirmOutcome(models.TextChoices):
    ON_TIME = "on_time", _("按期转正")
    EXTEND = "extend", _("延长预备期")
    CANCEL = "cancel", _("取消预备党员资格")


class Applicant(models.Model):
    """One person on the way into the Party; the same person fields as a member."""

    resource = DEVELOPMENT
    scope_path_field = "org_path"

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(
        _("民族"), max_length=16, choices=ETHNICITY_CHOICES, default="汉族"
    )
    birth_date = models.DateField(_("出生日期"))
    id_number_enc = models.TextField(_("身份证号（密文）"), blank=True)
    id_number_hash = models.CharField(max_length=64, db_index=True, blank=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True)
    education = models.CharField(_("学历"), max_length=24, choices=Education.choices)
    occupation = models.CharField(_("职业"), max_length=16, choices=Occupation.choices)
    phone_enc = models.TextField(_("联系电话（密文）"), blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    work_unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    position = models.CharField(_("职务"), max_length=100, blank=True)

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="applicants",
        verbose_name=_("所在党支部"),
    )
    org_path = models.CharField(max_length=255, editable=False)
    stroke_key = models.CharField(max_length=128, editable=False, blank=True)
    pinyin = models.CharField(max_length=200, editable=False, blank=True)
    pinyin_initials = models.CharField(max_length=30, editable=False, blank=True)

    # Milestones, derived from the step records (services._refresh); never typed separately.
    applied_on = models.DateField(_("递交申请书日期"))
    activist_on = models.DateField(_("确定为积极分子日期"), null=True, blank=True)
    candidate_on = models.DateField(_("确定为发展对象日期"), null=True, blank=True)
    meeting_on = models.DateField(_("支部大会通过日期"), null=True, blank=True)
    approved_on = models.DateField(_("上级党委批准日期"), null=True, blank=True)
    probation_end = models.DateField(_("预备期满日期"), null=True, blank=True)
    extended_months = models.PositiveSmallIntegerField(_("延长预备期（月）"), null=True, blank=True)
    confirmed_on = models.DateField(_("转正日期"), null=True, blank=True)
    confirm_round = models.PositiveSmallIntegerField(default=1, editable=False)

    stage = models.CharField(
        _("当前阶段"), max_length=16, choices=Stage.choices, default=Stage.APPLICANT
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicantStatus.choices,
        default=ApplicantStatus.IN_PROGRESS,
    )
    stopped_on = models.DateField(_("终止日期"), null=True, blank=True)
    stop_reason = models.CharField(_("终止原因"), max_length=500, blank=True)
    # The highest step done and the next one, kept for lists and the due selectors.
    last_step = models.PositiveSmallIntegerField(default=0, editable=False)
    member = models.OneToOneField(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applicant",
        verbose_name=_("党员记录"),
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("入党申请人")
        verbose_name_plural = _("入党申请人")
        indexes = [
            models.Index(
                fields=["org_path"], name="dev_applicant_scope", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["status", "stage"], name="dev_applicant_status_stage"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class StepRecord(models.Model):
    """One step done. Permanent: a correction is a new record that names the one it replaces."""

    resource = DEVELOPMENT
    scope_path_field = "org_path"

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="records")
    org_path = models.CharField(max_length=255, editable=False)
    step = models.PositiveSmallIntegerField(_("步骤"))
    confirm_round = models.PositiveSmallIntegerField(default=1)
    done_on = models.DateField(_("日期"))
    talker = models.CharField(_("谈话人"), max_length=100, blank=True)
    talker_member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("谈话人（党员）"),
    )
    contacts = models.ManyToManyField(
        "members.Member", blank=True, related_name="+", verbose_name=_("培养联系人")
    )
    introducers = models.ManyToManyField(
        "members.Member", blank=True, related_name="+", verbose_name=_("入党介绍人")
    )
    decision_body = models.CharField(
        _("决定机构"), max_length=24, choices=DecisionBody.choices, blank=True
    )
    votes_expected = models.PositiveIntegerField(
        _("应到会有表决权的正式党员"), null=True, blank=True
    )
    votes_present = models.PositiveIntegerField(
        _("实到会有表决权的正式党员"), null=True, blank=True
    )
    votes_for = models.PositiveIntegerField(_("赞成票"), null=True, blank=True)
    passed = models.BooleanField(_("通过"), default=True)
    training_days = models.PositiveSmallIntegerField(_("培训天数"), null=True, blank=True)
    training_hours = models.PositiveSmallIntegerField(_("培训学时"), null=True, blank=True)
    confirm_outcome = models.CharField(
        _("转正结论"), max_length=16, choices=ConfirmOutcome.choices, blank=True
    )
    extend_months = models.PositiveSmallIntegerField(_("延长预备期（月）"), null=True, blank=True)
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示结束"), null=True, blank=True)
    notes = models.TextField(_("情况说明"), blank=True)
    overdue = models.BooleanField(_("逾期"), default=False)
    overdue_note = models.CharField(_("逾期说明"), max_length=500, blank=True)
    exception = models.BooleanField(_("例外"), default=False)
    exception_reason = models.TextField(_("例外理由"), blank=True)
    exception_rules = models.TextField(_("突破的规定"), blank=True)
    ruleset_version = models.CharField(_("适用规则版本"), max_length=200)
    ruleset_id = models.IntegerField(null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("更正的记录"),
    )
    correction_reason = models.CharField(_("更正原因"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发展步骤记录")
        verbose_name_plural = _("发展步骤记录")
        ordering = ["applicant_id", "step", "done_on", "id"]
        indexes = [models.Index(fields=["applicant", "step"], name="dev_record_applicant_step")]

    def __str__(self) -> str:
        from dangjian.development.steps import step

        return f"{self.applicant.name}：{step(self.step).title}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}

    @property
    def step_def(self):
        from dangjian.development.steps import step

        return step(self.step)

    @property
    def is_current(self) -> bool:
        try:
            self.replaced_by  # noqa: B018
        except StepRecord.DoesNotExist:
            return True
        return False


def _document_path(instance, filename: str) -> str:
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()
    return f"development/{instance.record.applicant_id}/{uuid.uuid4().hex}{suffix}"


class StepDocument(models.Model):
    resource = DEVELOPMENT
    scope_path_field = "org_path"

    record = models.ForeignKey(StepRecord, on_delete=models.PROTECT, related_name="documents")
    org_path = models.CharField(max_length=255, editable=False)
    file = models.FileField(_("文件"), upload_to=_document_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发展材料")
        verbose_name_plural = _("发展材料")

    def __str__(self) -> str:
        return self.original_name

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class DevelopmentPlan(models.Model):
    """年度发展党员计划 of one organisation (RULES.md 2.16): the quota; fulfilment is derived."""

    resource = DEVELOPMENT
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="development_plans"
    )
    org_path = models.CharField(max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    quota = models.PositiveIntegerField(_("计划发展人数"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    updated_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度发展计划")
        verbose_name_plural = _("年度发展计划")
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="dev_plan_org_year")]

    def __str__(self) -> str:
        return f"{self.org}{self.year}年发展计划"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}
