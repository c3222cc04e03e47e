"""Rule domain "life": minimum frequencies of 三会一课 and 主题党日, and the 支委会 quorum (RULES.md 4.15).

Every figure the compliance report and the services check comes from `rules_on("life", day)`.
"""

from datetime import date

from django.utils.translation import gettext_lazy as _

from dangjian.core.rulesets import Domain, RuleSpec, register_domain

DOMAIN = "life"
_DOC = "《中国共产党支部工作条例（试行）》"


LIFE_RULES = register_domain(
    Domain(
        key=DOMAIN,
        label=_("组织生活"),
        builtin_name=f"{_DOC}（2018年10月28日）",
        builtin_from=date(2018, 10, 28),
        specs=(
            RuleSpec(
                "branch_assembly_per_quarter",
                _("支部党员大会每季度至少召开次数"),
                1,
                unit="次",
                source=f"{_DOC}：党员大会一般每季度召开1次（RULES.md 4.15）",
                grade="B",
                minimum=0,
                maximum=12,
            ),
            RuleSpec(
                "committee_per_month",
                _("支委会每月至少召开次数"),
                1,
                unit="次",
                source=f"{_DOC}：支部委员会会议一般每月召开1次（RULES.md 4.15）",
                grade="B",
                minimum=0,
                maximum=10,
            ),
            RuleSpec(
                "group_per_month",
                _("党小组会每月至少召开次数"),
                1,
                unit="次",
                source=f"{_DOC}：党小组会一般每月召开1次（RULES.md 4.15）",
                grade="B",
                minimum=0,
                maximum=10,
            ),
            RuleSpec(
                "theme_day_per_month",
                _("主题党日每月至少开展次数"),
                1,
                unit="次",
                source=f"{_DOC}：每月相对固定1天开展主题党日（RULES.md 4.15）",
                grade="B",
                minimum=0,
                maximum=10,
            ),
            RuleSpec(
                "life_meeting_per_year",
                _("组织生活会每年至少召开次数"),
                1,
                unit="次",
                source=f"{_DOC}：组织生活会一般每年召开1次（RULES.md 4.15）",
                grade="B",
                minimum=0,
                maximum=12,
            ),
            # RULES.md 4.15: no national 党课 frequency for a branch was found; "每季度" is local practice.
            RuleSpec(
                "lecture_per_quarter",
                _("支部党课每季度至少次数"),
                1,
                unit="次",
                source="未见全国统一规定，默认每季度1次为各地通行做法，可设置（RULES.md 4.15）",
                grade="?",
                minimum=0,
                maximum=12,
            ),
            RuleSpec(
                "appraisal_per_year",
                _("民主评议党员每年至少开展次数"),
                1,
                unit="次",
                source=f"{_DOC}：民主评议党员一般每年开展1次（RULES.md 4.15）",
                grade="B",
                minimum=0,
                maximum=4,
            ),
            # A local setting, not a rule: how early the 待办提醒 warns about meetings still missing.
            RuleSpec(
                "remind_days_before_period_end",
                _("期末前提醒天数（本期规定会议尚未召开）"),
                7,
                unit="日",
                source="本系统设置（非党内法规规定）：默认在每月、每季度、每年结束前7日提醒，可设置",
                grade="?",
                minimum=0,
                maximum=90,
            ),
            RuleSpec(
                "committee_quorum_over_half",
                _("支委会须半数以上委员到会"),
                True,
                kind="bool",
                source=f"{_DOC}：支部委员会会议须有半数以上委员到会方可召开（RULES.md 4.15）",
                grade="B",
            ),
        ),
    )
)

# kind → (rule key, period). Order is the order of the report's columns.
FREQUENCY_RULES = (
    ("branch_assembly", "branch_assembly_per_quarter", "quarter"),
    ("committee", "committee_per_month", "month"),
    ("group", "group_per_month", "month"),
    ("lecture", "lecture_per_quarter", "quarter"),
    ("theme_day", "theme_day_per_month", "month"),
    ("life_meeting", "life_meeting_per_year", "year"),
)
# 民主评议党员 (yearly, 4.15) counts as held when the year's round exists with results.
APPRAISAL = ("appraisal", "appraisal_per_year", "year")


def rules_picker():
    """A function day → the life rules in force that day, reading the stored versions once.

    For loops over many days (a year's compliance for every branch, a batch of meetings), where
    `rules_on` per day would query each time. Same answer as `rules_on(DOMAIN, day)`.
    """
    from dangjian.core.rulesets import versions

    all_versions = versions(DOMAIN)  # newest first, the built-in one last

    def pick(day: date):
        for v in all_versions[:-1]:
            if v.effective_from <= day:
                return v
        return all_versions[-1]

    return pick
