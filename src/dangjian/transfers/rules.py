"""Rule domain "transfer": 组织关系接转 and 流动党员 (RULES.md 3.1–3.7).

Every number the transfer services check comes from here through `rules_on("transfer", day)`.
"""

from datetime import date

from dangjian.core.rulesets import Domain, RuleSpec, register_domain

DOMAIN = "transfer"

TRANSFER_RULES = register_domain(
    Domain(
        key=DOMAIN,
        label="组织关系接转",
        builtin_name="组织关系接转（组通字〔2006〕45号及相关规定）",
        builtin_from=date(2006, 1, 1),
        specs=(
            # RULES.md 3.3 is [?]: sources say "generally ≤3 months", "city 10 days, outside the
            # city 30 days, max 3 months". A setting: default 30 days, never above 90.
            RuleSpec(
                "letter_validity_days",
                "介绍信有效期（最长）",
                30,
                unit="天",
                source="组通字〔2006〕45号介绍信格式及各地做法（RULES.md 3.3，说法不一，可设置）",
                grade="?",
                minimum=1,
                maximum=90,
            ),
            RuleSpec(
                "receipt_return_months",
                "接收后寄回回执期限",
                1,
                unit="个月",
                source="组通字〔2006〕45号（RULES.md 3.2）",
                grade="B",
                minimum=1,
                maximum=3,
            ),
            RuleSpec(
                "receipt_warning_days",
                "回执到期提醒提前天数",
                7,
                unit="天",
                source="本平台提醒设置",
                grade="?",
                minimum=0,
                maximum=30,
            ),
            RuleSpec(
                "away_months_needing_transfer",
                "外出到固定地点满此月数应转接组织关系",
                6,
                unit="个月",
                source="《中国共产党党员教育管理工作条例》第二十五条（RULES.md 3.1）",
                grade="A",
                minimum=1,
                maximum=24,
            ),
            RuleSpec(
                "floating_report_months",
                "流动党员向原支部汇报的最长间隔",
                12,
                unit="个月",
                source="流动党员管理相关规定：每年至少汇报一次（RULES.md 3.7）",
                grade="B",
                minimum=1,
                maximum=24,
            ),
        ),
    )
)
