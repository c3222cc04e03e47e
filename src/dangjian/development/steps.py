"""The 5 stages and 25 steps of 发展党员 (RULES.md 2.1) as data.

Each step names who records it (the branch, or the 上级党委 — action "approve" on DEVELOPMENT in the
applicant's branch's scope), which facts it needs and which steps must be done before it. Steps
⑨⑩⑪ may be done in any order once ⑧ is done; all three come before ⑫.
"""

from __future__ import annotations

from dataclasses import dataclass

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳㉑㉒㉓㉔㉕"

BRANCH, COMMITTEE = "branch", "committee"

STAGES = {
    1: "申请入党",
    2: "入党积极分子的确定和培养教育",
    3: "发展对象的确定和考察",
    4: "预备党员的接收",
    5: "预备党员的教育考察和转正",
}

# Facts a step may need (the record form shows only these fields).
TALKER = "talker"  # 谈话人: free text or a member
DECISION = "decision"  # 决定机构: 支委会 / 支部大会 / 党委 …
CONTACTS = "contacts"  # 培养联系人: 1–2 正式党员
INTRODUCERS = "introducers"  # 入党介绍人: exactly 2 正式党员
VETTING = "vetting"  # 政审结论: 合格 / 不合格
TRAINING = "training"  # 培训天数、学时
VOTE = "vote"  # 支部大会表决: 应到 / 实到 / 赞成
APPROVAL = "approval"  # 批准 / 不批准
CONFIRM = "confirm"  # 转正结论: 按期转正 / 延长预备期 / 取消预备党员资格
PUBLICITY = "publicity"  # 公示起止 (only when the local setting is on)


@dataclass(frozen=True)
class Step:
    number: int
    code: str
    label: str
    stage: int
    by: str
    needs: frozenset[str]
    after: tuple[int, ...]

    @property
    def circled(self) -> str:
        return CIRCLED[self.number - 1]

    @property
    def title(self) -> str:
        return f"{self.circled}{self.label}"

    @property
    def by_committee(self) -> bool:
        return self.by == COMMITTEE

    @property
    def action(self) -> str:
        """The DEVELOPMENT action needed to record it."""
        return "approve" if self.by == COMMITTEE else "change"

    @property
    def stage_label(self) -> str:
        return STAGES[self.stage]


def _s(number, code, label, stage, by=BRANCH, needs=(), after=None) -> Step:
    return Step(
        number=number,
        code=code,
        label=label,
        stage=stage,
        by=by,
        needs=frozenset(needs),
        after=tuple(after) if after is not None else ((number - 1,) if number > 1 else ()),
    )


STEPS: tuple[Step, ...] = (
    _s(1, "apply", "递交入党申请书", 1),
    _s(2, "talk", "党组织派人谈话", 1, needs=[TALKER]),
    _s(3, "activist", "推荐和确定入党积极分子", 2, needs=[DECISION]),
    _s(4, "activist_filing", "上级党委备案", 2, by=COMMITTEE),
    _s(5, "contacts", "指定培养联系人", 2, needs=[CONTACTS]),
    _s(6, "cultivation", "培养教育考察", 2),
    _s(7, "candidate", "确定发展对象", 3, needs=[DECISION, PUBLICITY]),
    _s(8, "candidate_filing", "报上级党委备案", 3, by=COMMITTEE),
    _s(9, "introducers", "确定入党介绍人", 3, needs=[INTRODUCERS], after=[8]),
    _s(10, "vetting", "政治审查", 3, needs=[VETTING], after=[8]),
    _s(11, "training", "短期集中培训", 3, needs=[TRAINING], after=[8]),
    _s(12, "branch_review", "支部委员会审查", 4, needs=[DECISION, PUBLICITY], after=[9, 10, 11]),
    _s(13, "pre_review", "上级党委预审", 4, by=COMMITTEE, needs=[APPROVAL]),
    _s(14, "volunteer_form", "填写入党志愿书", 4),
    _s(15, "admission_meeting", "支部大会讨论", 4, needs=[VOTE]),
    _s(16, "committee_talk", "上级党委派人谈话", 4, by=COMMITTEE, needs=[TALKER]),
    _s(17, "approval", "上级党委审批", 4, by=COMMITTEE, needs=[APPROVAL]),
    _s(18, "record_filing", "再上一级党委组织部门备案", 4, by=COMMITTEE, after=[17]),
    _s(19, "grouping", "编入党支部和党小组", 5, after=[17]),
    _s(20, "oath", "入党宣誓", 5),
    _s(21, "continued_education", "继续教育考察", 5),
    _s(22, "confirm_application", "提出转正申请", 5),
    _s(23, "confirm_meeting", "支部大会讨论", 5, needs=[VOTE, CONFIRM, PUBLICITY]),
    _s(24, "confirm_approval", "上级党委审批", 5, by=COMMITTEE, needs=[APPROVAL, CONFIRM]),
    _s(25, "archive", "材料归档", 5, after=[24, 18]),
)

BY_NUMBER: dict[int, Step] = {s.number: s for s in STEPS}
BY_CODE: dict[str, Step] = {s.code: s for s in STEPS}

# Steps that repeat after a 延长预备期: the new 转正 discussion and its approval.
CONFIRM_ROUND = (22, 23, 24)


def step(number: int) -> Step:
    try:
        return BY_NUMBER[int(number)]
    except (KeyError, TypeError, ValueError):
        raise KeyError(number) from None
