"""Rule domain "funds": the one ratio of the funds ledger the dues rules do not carry.

RULES.md 1.14 fixes the 5 % to the Centre and gives the 20 % a 机关党委 remits to the 工委 as the
central-organ example; the dues ratios come from `rules_on("dues", day)`. How much a 党支部 hands
to the 党委 above it is set by each province (1.14: "lower-level ratios are set by each province"),
so it is a setting with a documented default here.

The share of the county 党建经费 that goes to the 工委 is a local decision (the article: 宁化县委常委会
"从全县党建经费中，按20%比例划拨"), graded [L]: a setting whose default is the article's 20 %.
"""

from datetime import date

from dangjian.core.rulesets import Domain, RuleSpec, register_domain
from dangjian.funds.models import COUNTY_SHARE_SOURCE

DOMAIN = "funds"

FUNDS_RULES = register_domain(
    Domain(
        key=DOMAIN,
        label="经费账目",
        builtin_name="本系统经费账目设置",
        builtin_from=date(2008, 4, 1),
        specs=(
            RuleSpec(
                "remit_percent_branch",
                "党支部（总支）向上级党委上交党费比例",
                100,
                unit="%",
                source="下级上缴比例由各省规定（RULES.md 1.14）；默认党支部收缴的党费全额交上级党委，"
                "可设置",
                grade="?",
                minimum=0,
                maximum=100,
            ),
            RuleSpec(
                "county_share_percent",
                "从全县党建经费中划拨工委的比例",
                "20",
                kind="decimal",
                unit="%",
                source=COUNTY_SHARE_SOURCE,
                grade="L",
                minimum=0,
                maximum=100,
            ),
        ),
    )
)
