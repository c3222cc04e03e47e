"""Rule domain "development": the timing rules of 发展党员 (RULES.md 2), each with its source.

Items graded [L]/[?] there are local settings, off (0) by default.
"""

from datetime import date

from dangjian.core.rulesets import Domain, RuleSpec, register_domain

DOMAIN = "development"
_XIZE = "《中国共产党发展党员工作细则》"

DEVELOPMENT_RULES = register_domain(
    Domain(
        key=DOMAIN,
        label="发展党员",
        builtin_name="《中国共产党发展党员工作细则》（中办发〔2014〕33号）",
        builtin_from=date(2014, 5, 28),
        specs=(
            RuleSpec(
                "min_age",
                "申请入党的最低年龄",
                18,
                unit="周岁",
                source=f"{_XIZE}第五条“年满十八岁”（RULES.md 2.2）",
                grade="A",
                minimum=16,
                maximum=30,
            ),
            RuleSpec(
                "talk_within_months",
                "收到入党申请书后派人谈话的期限",
                1,
                unit="个月",
                source=f"{_XIZE}第七条“一个月内派人同入党申请人谈话”（RULES.md 2.3）",
                minimum=1,
                maximum=12,
            ),
            RuleSpec(
                "activist_min_application_months",
                "递交申请书满多久方可确定为入党积极分子（0为不限）",
                0,
                unit="个月",
                source="地方规定：递交入党申请书半年以上（RULES.md 2.4，地方做法）",
                grade="?",
                minimum=0,
                maximum=24,
            ),
            RuleSpec(
                "candidate_min_months",
                "入党积极分子培养教育满多久方可确定为发展对象",
                12,
                unit="个月",
                source=f"{_XIZE}第十三条“经过一年以上培养教育和考察”（RULES.md 2.6）",
                minimum=1,
                maximum=60,
            ),
            RuleSpec(
                "training_min_days",
                "短期集中培训的最少天数",
                3,
                unit="天",
                source=f"{_XIZE}第十七条“培训时间一般不少于3天或不少于24个学时”（RULES.md 2.8）",
                minimum=1,
                maximum=30,
            ),
            RuleSpec(
                "training_min_hours",
                "短期集中培训的最少学时",
                24,
                unit="学时",
                source=f"{_XIZE}第十七条“培训时间一般不少于3天或不少于24个学时”（RULES.md 2.8）",
                minimum=1,
                maximum=240,
            ),
            RuleSpec(
                "approval_months",
                "支部大会通过后上级党委审批的期限",
                3,
                unit="个月",
                source=f"{_XIZE}：上级党委在三个月内审批（RULES.md 2.11，条文序号待核实）",
                minimum=1,
                maximum=12,
            ),
            RuleSpec(
                "approval_max_months",
                "特殊情况下上级党委审批的最长期限",
                6,
                unit="个月",
                source=f"{_XIZE}：特殊情况可适当延长审批时限，但不得超过六个月（RULES.md 2.11，条文序号待核实）",
                minimum=1,
                maximum=12,
            ),
            RuleSpec(
                "probation_months",
                "预备期",
                12,
                unit="个月",
                source="《中国共产党章程》第七条“预备期为一年”（RULES.md 2.12）",
                grade="A",
                minimum=12,
                maximum=12,
            ),
            RuleSpec(
                "extension_min_months",
                "延长预备期的最短期限",
                6,
                unit="个月",
                source="《中国共产党章程》第七条“延长预备期，但不能超过一年”；细则第三十二条（RULES.md 2.12）",
                grade="A",
                minimum=1,
                maximum=12,
            ),
            RuleSpec(
                "extension_max_months",
                "延长预备期的最长期限",
                12,
                unit="个月",
                source="《中国共产党章程》第七条“延长预备期，但不能超过一年”（RULES.md 2.12）",
                grade="A",
                minimum=1,
                maximum=12,
            ),
            RuleSpec(
                "confirm_approval_months",
                "支部大会讨论转正后上级党委审批的期限",
                3,
                unit="个月",
                source=f"{_XIZE}第三十三条（RULES.md 2.13；条文出处待核实）",
                grade="?",
                minimum=1,
                maximum=12,
            ),
            RuleSpec(
                "publicity_working_days",
                "确定发展对象、支委会审查、讨论转正前的公示期（0为不要求）",
                0,
                unit="个工作日",
                source="地方规定：公示不少于5个工作日（RULES.md 2.17，地方做法）",
                grade="?",
                minimum=0,
                maximum=30,
            ),
        ),
    )
)
