"""The rule domain "membership" (党籍): RULES.md 1.17–1.19.

Every number a 党籍 check uses is read from here through `rules_on(DOMAIN, day)`; a refusal names the
rule with `rules.cite(key)`. Item 1.19 is local practice (grade L): a setting with a documented
default, editable as a new rule-set version.
"""

from datetime import date

from dangjian.core.rulesets import Domain, RuleSpec, register_domain

DOMAIN = "membership"

_CONSTITUTION_9 = "《中国共产党章程》第九条（RULES.md 1.17）"
_REGULATION_24 = "《中国共产党党员教育管理工作条例》第二十四条（RULES.md 1.18）"
_LOCAL_119 = "地方实践（RULES.md 1.19）"

register_domain(
    Domain(
        key=DOMAIN,
        label="党籍管理",
        builtin_name="《中国共产党党员教育管理工作条例》（2019）",
        builtin_from=date(2019, 5, 21),  # published by Xinhua on this day
        specs=(
            RuleSpec(
                "lost_contact_months",
                "失去联系后可停止党籍的最短时间",
                6,
                "int",
                "个月",
                _REGULATION_24,
                "A",
                minimum=1,
                maximum=60,
            ),
            RuleSpec(
                "abroad_study_years",
                "出国（境）学习研究逾期未归停止党籍的期限（须超过）",
                5,
                "int",
                "年",
                _REGULATION_24,
                "A",
                minimum=1,
                maximum=20,
            ),
            RuleSpec(
                "suspension_strike_years",
                "停止党籍后仍无联系、按自行脱党除名的期限",
                2,
                "int",
                "年",
                _REGULATION_24,
                "A",
                minimum=1,
                maximum=10,
            ),
            RuleSpec(
                "restore_within_years",
                "停止党籍后可申请恢复党籍的期限",
                2,
                "int",
                "年",
                _LOCAL_119,
                "L",
                minimum=1,
                maximum=10,
            ),
            RuleSpec(
                "restore_county_approval",
                "恢复党籍须经县级党组织批准",
                True,
                "bool",
                "",
                _LOCAL_119,
                "L",
            ),
            RuleSpec(
                "lost_probationary_disqualified",
                "预备党员失去联系的，取消预备党员资格而不停止党籍",
                True,
                "bool",
                "",
                _LOCAL_119,
                "L",
            ),
            RuleSpec(
                "lapse_months",
                "连续不参加组织生活、不交纳党费视为自行脱党的期限",
                6,
                "int",
                "个月",
                _CONSTITUTION_9,
                "A",
                minimum=1,
                maximum=24,
            ),
        ),
    )
)
