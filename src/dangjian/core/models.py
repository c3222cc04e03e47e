"""Background jobs: one row per long piece of work (imports, bulk changes), with its progress.

A job is scoped like every other record (ARCHITECTURE.md principle 2): `org_path` is the subtree root
it acts on, so it is visible to users whose JOB view scope covers that path, and to its creator.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import JOB, RULESET


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})


class JobKind(models.TextChoices):
    MEMBERS_CHECK = "members_check", _("检查党员导入文件")
    MEMBERS_IMPORT = "members_import", _("导入党员")
    ORGS_CHECK = "orgs_check", _("检查党组织导入文件")
    ORGS_IMPORT = "orgs_import", _("导入党组织")
    DUES_BASES_CHECK = "dues_bases_check", _("检查党费基数（工资表）导入文件")
    DUES_BASES_IMPORT = "dues_bases_import", _("导入党费基数（工资表）")
    DUES_PAYMENTS_CHECK = "dues_payments_check", _("检查党费交纳记录导入文件")
    DUES_PAYMENTS_IMPORT = "dues_payments_import", _("导入党费交纳记录")
    DUES_CLOSE = "dues_close", _("党费月度入账")
    OPINIONS_CHECK = "opinions_check", _("检查群众意见导入文件")
    OPINIONS_IMPORT = "opinions_import", _("导入群众意见")


class Job(models.Model):
    resource = JOB
    scope_path_field = "org_path"

    kind = models.CharField(_("任务类型"), max_length=32, choices=JobKind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="jobs",
        verbose_name=_("发起人"),
    )
    # The root of the subtree the job acts on; "" = no organisation (visible to its creator only).
    org_path = models.CharField(max_length=255, blank=True, default="")
    progress_done = models.PositiveIntegerField(_("已完成"), default=0)
    progress_total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    # [{"row": 57, "column": "身份证号", "reason": "…"}], row numbers as Excel shows them.
    errors = models.JSONField(_("错误"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    # An uploaded file under MEDIA_ROOT/imports/, removed once the job no longer needs it.
    file = models.CharField(_("文件"), max_length=255, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("来源任务"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # Touched by every progress write; a running job that stops touching it has died.
    heartbeat_at = models.DateTimeField(_("最近活动"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="core_job_creator"),
            models.Index(
                fields=["org_path"], name="core_job_scope", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def is_check(self) -> bool:
        return self.kind.endswith("_check")

    @property
    def import_kind(self) -> str:
        """members / orgs, for import jobs."""
        return self.kind.rsplit("_", 1)[0]

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class RuleSet(models.Model):
    """One version of a domain's statutory numbers, in force from `effective_from` (ARCHITECTURE.md
    principle 1). The built-in version (from RULES.md) applies before the first stored one; a stored
    version holds every value of its domain, so the version in force on a date is one row.
    """

    resource = RULESET

    domain = models.CharField(_("规则领域"), max_length=32)
    name = models.CharField(_("版本名称"), max_length=200)
    effective_from = models.DateField(_("生效日期"))
    values = models.JSONField(_("规则值"), default=dict)
    basis = models.TextField(_("依据"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("规则版本")
        verbose_name_plural = _("规则版本")
        ordering = ["domain", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "effective_from"], name="core_ruleset_domain_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"
