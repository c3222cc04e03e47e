"""困难党员帮扶 (the article: each leading cadre 挂包 1–3 困难党员, visits at least once a quarter and
does one 实事; 慰问金 are paid from the 党建经费; 送技能、送岗位 for laid-off members).

Records are permanent: a recipient is closed with a reason (never deleted), a pairing is ended
with a date, visits and their 实事 stay as recorded; 慰问金 are entries in the funds ledger.
The personal circumstances are stored only encrypted (SM4-GCM through the one CryptoProvider,
as members' ID numbers are) and read through `services.reveal_circumstances`, which is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import CARE


class Reason(models.TextChoices):
    ILLNESS = "illness", _("患病")
    DISABILITY = "disability", _("残疾")
    ALONE = "alone", _("高龄独居")
    LOW_INCOME = "low_income", _("收入低")
    DISASTER = "disaster", _("受灾")
    OTHER = "other", _("其他")


class Level(models.TextChoices):
    ORDINARY = "ordinary", _("一般困难")
    SPECIAL = "special", _("特别困难")


class CareRecipient(models.Model):
    """困难党员台账: one member in difficulty, registered at the member's organisation."""

    resource = CARE
    scope_path_field = "org_path"

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员")
    )
    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织")
    )
    org_path = models.CharField(max_length=255, editable=False)
    reason = models.CharField(_("困难类型"), max_length=20, choices=Reason.choices)
    level = models.CharField(_("困难程度"), max_length=20, choices=Level.choices)
    since = models.DateField(_("困难起始日期"))
    # 个人情况 (health, family, income …): encrypted; the mark below says only whether there is any.
    circumstances_enc = models.TextField(_("个人情况（密文）"), blank=True)
    has_circumstances = models.BooleanField(_("已登记个人情况"), default=False)
    reviewed_on = models.DateField(_("最近复核日期"), null=True, blank=True)
    review_note = models.CharField(_("复核意见"), max_length=500, blank=True)
    closed_on = models.DateField(_("退出日期"), null=True, blank=True)
    closed_reason = models.CharField(_("退出原因"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("困难党员")
        verbose_name_plural = _("困难党员")
        constraints = [
            # one open record per member; a closed one may be followed by a new registration
            models.UniqueConstraint(
                fields=["member"], condition=Q(closed_on__isnull=True), name="care_one_open"
            ),
        ]
        indexes = [models.Index(fields=["org_path"], name="care_recipient_path")]

    def __str__(self) -> str:
        return str(self.member)

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class CarePair(models.Model):
    """挂包: a leading cadre (a member) caring for one recipient from `started_on` until `ended_on`."""

    resource = CARE
    scope_path_field = "org_path"

    recipient = models.ForeignKey(
        CareRecipient, on_delete=models.PROTECT, related_name="pairs", verbose_name=_("困难党员")
    )
    cadre = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("结对领导干部"),
    )
    cadre_title = models.CharField(_("职务"), max_length=100, blank=True)
    org_path = models.CharField(max_length=255, editable=False)  # the recipient's
    started_on = models.DateField(_("结对日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "cadre"],
                condition=Q(ended_on__isnull=True),
                name="care_pair_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.recipient}"

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class Visit(models.Model):
    """走访慰问: a visit to one recipient by one or more of the cadres paired with them."""

    resource = CARE
    scope_path_field = "org_path"

    recipient = models.ForeignKey(
        CareRecipient, on_delete=models.PROTECT, related_name="visits", verbose_name=_("困难党员")
    )
    org_path = models.CharField(max_length=255, editable=False)  # the recipient's
    visited_on = models.DateField(_("走访日期"))
    cadres = models.ManyToManyField(
        "members.Member", related_name="+", verbose_name=_("走访的领导干部")
    )
    what_done = models.TextField(_("走访情况"))
    amount = models.DecimalField(_("慰问金（元）"), max_digits=12, decimal_places=2, default=0)
    # 慰问金 are an expense in the funds ledger of the paying organisation (one entry per visit)
    fund_entry = models.OneToOneField(
        "funds.FundEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_visit",
        verbose_name=_("慰问金账目"),
    )
    # A mistaken visit is never edited: a new visit replaces it (naming it here, with the reason)
    # and the old one stays, shown as corrected; only visits not replaced count anywhere.
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("更正的走访记录"),
    )
    correction_reason = models.CharField(_("更正原因"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访慰问")
        verbose_name_plural = _("走访慰问")
        ordering = ["-visited_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="care_visit_amount")]
        indexes = [models.Index(fields=["recipient", "visited_on"], name="care_visit_day")]

    def __str__(self) -> str:
        return f"{self.recipient} {self.visited_on:%Y-%m-%d}"

    @property
    def is_corrected(self) -> bool:
        """Replaced by a correcting visit (it no longer counts)."""
        try:
            return self.replaced_by is not None
        except Visit.DoesNotExist:
            return False

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class Deed(models.Model):
    """一件实事 done on a visit."""

    resource = CARE
    scope_path_field = "visit__org_path"

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="deeds")
    text = models.CharField(_("实事"), max_length=500)

    class Meta:
        verbose_name = _("实事")
        verbose_name_plural = _("实事")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


class TrainingCourse(models.Model):
    """送技能、送岗位: a course for members out of work, and who was trained and re-employed.

    Members are counted from per-person rows (`Trainee`); people who are not members in our
    records are counted by the course's own headcounts, which must name their source."""

    resource = CARE
    scope_path_field = "org_path"

    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("党组织")
    )
    org_path = models.CharField(max_length=255, editable=False)
    title = models.CharField(_("培训项目"), max_length=200)
    held_on = models.DateField(_("培训日期"))
    organiser = models.CharField(_("举办单位"), max_length=200)
    others_trained = models.PositiveIntegerField(_("其他参训人数"), default=0)
    others_reemployed = models.PositiveIntegerField(_("其他实现再就业人数"), default=0)
    headcount_source = models.CharField(_("人数来源"), max_length=300, blank=True)
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("技能培训")
        verbose_name_plural = _("技能培训")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}


class Trainee(models.Model):
    """One member trained on a course, and whether (and where) they found work afterwards."""

    resource = CARE
    scope_path_field = "course__org_path"

    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="trainees")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="+", verbose_name=_("党员")
    )
    reemployed_on = models.DateField(_("再就业日期"), null=True, blank=True)
    employer = models.CharField(_("就业单位或岗位"), max_length=200, blank=True)
    # why a recorded re-employment was changed (the earlier values stay in the audit log)
    reemployment_note = models.CharField(_("再就业情况说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("参训党员")
        verbose_name_plural = _("参训党员")
        constraints = [
            models.UniqueConstraint(fields=["course", "member"], name="care_trainee_once")
        ]

    def __str__(self) -> str:
        return str(self.member)
