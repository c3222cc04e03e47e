"""党费标准 versions (RULES.md 1.3–1.6, 1.16). The built-in version lives in `standards.py`."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import RULESET

ROUNDING_MODES = (
    ("ROUND_HALF_UP", _("四舍五入")),
    ("ROUND_HALF_EVEN", _("四舍六入五成双")),
    ("ROUND_UP", _("进位")),
    ("ROUND_DOWN", _("舍去")),
)


class DuesStandard(models.Model):
    """One version of the dues standard, in force from `effective_from` until the next one."""

    resource = RULESET  # rule data is a rule set: the same roles view and add it

    name = models.CharField(_("版本名称"), max_length=200)
    effective_from = models.DateField(_("生效日期"), unique=True)
    source = models.TextField(_("依据"), blank=True)
    # RULES.md 1.16: no source fixes the rounding, so it is a setting of each version.
    rounding_step = models.CharField(_("舍入单位（元）"), max_length=10, default="0.01")
    rounding_mode = models.CharField(
        _("舍入方式"), max_length=20, choices=ROUNDING_MODES, default="ROUND_HALF_UP"
    )
    categories = models.JSONField(_("各类党员的标准"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党费标准")
        verbose_name_plural = _("党费标准")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"
