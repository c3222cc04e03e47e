"""Rule domain "dues": the 党费 numbers other than the standard itself (RULES.md 1.10–1.14).

The brackets and amounts are versioned in `standards.py`; everything the ledger checks — 补交 limit,
the voluntary-payment threshold, remittance ratios — comes from here through `rules_on("dues", day)`.
"""

from datetime import date

from dangjian.core.rulesets import Domain, RuleSpec, register_domain

DOMAIN = "dues"
_DOC = "《关于中国共产党党费收缴、使用和管理的规定》"

DUES_RULES = register_domain(
    Domain(
        key=DOMAIN,
        label="党费收缴",
        builtin_name=f"{_DOC}（中组发〔2008〕3号）",
        builtin_from=date(2008, 4, 1),
        specs=(
            RuleSpec(
                "catchup_months",
                "补交党费最多补交月数",
                6,
                unit="个月",
                source=f"{_DOC}第十二条：补交一般不超过6个月（RULES.md 1.11）",
                grade="B",
                minimum=1,
                maximum=24,
            ),
            # RULES.md 1.11 allows quarterly payment with the branch's consent; no source limits
            # how far ahead a member may pay, so this is a setting.
            RuleSpec(
                "prepay_months",
                "预交党费最多预交月数",
                12,
                unit="个月",
                source=f"{_DOC}第十二条允许按季度交纳；预交上限无统一规定，为本系统设置",
                grade="?",
                minimum=1,
                maximum=24,
            ),
            RuleSpec(
                "voluntary_centre_threshold",
                "一次自愿多交党费达到此数额全额上缴中央",
                1000,
                unit="元",
                source=f"{_DOC}第十一条（RULES.md 1.10）",
                grade="B",
                minimum=1,
                maximum=1000000,
            ),
            RuleSpec(
                "arrears_warning_months",
                "连续欠交满此月数提醒支部",
                3,
                unit="个月",
                source="本系统提醒设置；连续6个月不交按自行脱党处理（RULES.md 1.13）",
                grade="?",
                minimum=1,
                maximum=6,
            ),
            # RULES.md 1.14: lower-level ratios are set by each province; the 中央和国家机关 rule
            # (20 % of last year's total to the 工委) and the 5 % to the Centre are the examples.
            RuleSpec(
                "remit_percent_work_committee",
                "机关党委（基层党委）上缴工委比例",
                20,
                unit="%",
                source="中央和国家机关的做法：各机关党委每年一季度按上年党费总额20%上缴工委"
                "（RULES.md 1.14，下级比例由各省规定，可设置）",
                grade="?",
                minimum=0,
                maximum=100,
            ),
            RuleSpec(
                "remit_percent_centre",
                "工委上缴中央比例",
                5,
                unit="%",
                source=f"{_DOC}：按实缴党费总额5%于次年4月底前上缴中央（RULES.md 1.14）",
                grade="B",
                minimum=0,
                maximum=100,
            ),
        ),
    )
)
