"""Rule domain "opinions": time limits and thresholds for handling citizens' opinions.

No national regulation in RULES.md fixes these numbers: how long a department has to handle a
matter, how long an extension may run and when an overdue matter is proposed for escalation are
decided locally (each 工委 / county sets them in its own 工作机制). Every value below is therefore a
setting with a documented default (grade "L"/"?"), counted in calendar days, and must not be read
as law. A category may carry its own time limit, which overrides the level's.
"""

from datetime import date

from dangjian.core.rulesets import Domain, RuleSpec, register_domain

DOMAIN = "opinions"
_LOCAL = "本地工作机制设置，无全国统一规定；默认值可在规则设置中修改"

OPINION_RULES = register_domain(
    Domain(
        key=DOMAIN,
        label="群众意见办理",
        builtin_name="本系统群众意见办理设置",
        builtin_from=date(2000, 1, 1),
        specs=(
            RuleSpec(
                "days_single",
                "单一部门办理时限",
                15,
                unit="日",
                source=_LOCAL,
                grade="?",
                minimum=1,
                maximum=365,
            ),
            RuleSpec(
                "days_joint",
                "多部门联合办理时限",
                30,
                unit="日",
                source=_LOCAL,
                grade="?",
                minimum=1,
                maximum=365,
            ),
            RuleSpec(
                "days_coordinate",
                "需党委政府统筹协调事项办理时限",
                60,
                unit="日",
                source=_LOCAL,
                grade="?",
                minimum=1,
                maximum=730,
            ),
            RuleSpec(
                "extension_max_days",
                "单次延期最长",
                30,
                unit="日",
                source=_LOCAL,
                grade="?",
                minimum=1,
                maximum=365,
            ),
            RuleSpec(
                "escalate_after_days",
                "逾期多少日后建议提级统筹协调",
                15,
                unit="日",
                source=_LOCAL,
                grade="?",
                minimum=0,
                maximum=365,
            ),
            RuleSpec(
                "intake_per_hour",
                "同一网络地址每小时可提交意见数",
                5,
                unit="条",
                source=_LOCAL,
                grade="?",
                minimum=1,
                maximum=1000,
            ),
        ),
    )
)

LEVEL_KEYS = {"single": "days_single", "joint": "days_joint", "coordinate": "days_coordinate"}
