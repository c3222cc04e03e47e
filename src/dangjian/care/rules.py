"""Rule domain "care": the article's practice for 困难党员帮扶, a local rule [L] kept as settings.

The article (梅列区): "区直机关每位处级和科级党员领导干部挂包1~3名困难党员，每季度至少到困难党员家中
慰问一次，办一件实事". No national rule was found (RULES.md 7.4), so every number is a setting
with the article's figure as its default. The yearly review of the register is the issue's
"reviewed yearly"; also a setting.
"""

from datetime import date

from dangjian.core.rulesets import Domain, RuleSpec, register_domain

DOMAIN = "care"
# The source as users read it (RULES.md 7.4: no national rule; the article is the seed's report on
# 三明 agency Party building, its 梅列区 "送温暖"/"帮扶" paragraph).
_ARTICLE = (
    "本地做法，全国未见统一规定：区直机关每位党员领导干部挂包1~3名困难党员，"
    "每季度至少到困难党员家中慰问一次，办一件实事（三明市梅列区“送温暖”“帮扶”活动）"
)

CARE_RULES = register_domain(
    Domain(
        key=DOMAIN,
        label="困难党员帮扶",
        builtin_name="本系统困难党员帮扶设置（文章所述做法）",
        builtin_from=date(2005, 1, 1),
        specs=(
            RuleSpec(
                "max_recipients_per_cadre",
                "每名领导干部结对帮扶困难党员最多人数",
                3,
                unit="名",
                source=_ARTICLE,
                grade="L",
                minimum=1,
                maximum=20,
            ),
            RuleSpec(
                "visits_per_quarter",
                "每个结对每季度至少走访次数",
                1,
                unit="次",
                source=_ARTICLE,
                grade="L",
                minimum=0,
                maximum=12,
            ),
            RuleSpec(
                "deeds_per_quarter",
                "每个结对每季度至少办实事件数",
                1,
                unit="件",
                source=_ARTICLE,
                grade="L",
                minimum=0,
                maximum=12,
            ),
            RuleSpec(
                "review_months",
                "困难党员台账复核周期",
                12,
                unit="个月",
                source="本地做法，可设置：困难党员台账每年复核一次",
                grade="L",
                minimum=1,
                maximum=36,
            ),
        ),
    )
)
