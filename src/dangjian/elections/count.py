"""The ballot count of a 换届选举: a pure, exact, auditable engine (RULES.md 4.3, 4.5–4.8).

No Django, no database, no floating point: integers and `fractions.Fraction` only. The numbers
that are rules (quorum fraction, threshold base, 差额 percent) come from the "elections" rule
domain (`dangjian.elections.rules`) through `CountRules.from_rules(rules_on("elections", day))`;
a plain `CountRules(...)` works as well, so the engine can be used and tested without a database.

The steps, in the order a 监票人/计票人 announces them, each written to `explanation` in Chinese:

1. **Quorum** (4.5). Voting members present (实到会) against those who should attend (应到会,
   after the exclusions 4.16 allows). Default: strictly more than 4/5; with `quorum_strict` off,
   reaching 4/5 is enough. Not met → the election cannot proceed: no count, no winners.
2. **Ballots returned** (4.6). Returned ≤ issued → valid election; returned > issued → the whole
   election is void and must be held again (no count, no winners). This is a *result*, not an
   input error. Issued > present is an input error (a ballot per voter present).
3. **Each ballot** (4.6), when the ballots themselves are given (`ballots`: each a list of the ids
   the voter marked in favour):
   * more marks than seats (over-vote) → invalid;
   * an id that is not on the candidate list → invalid. Write-ins (另选他人) are not a separate
     mechanism: to count a written-in person, add them to `candidates` first; an unknown id is
     treated as an unreadable mark and the ballot is invalid, with the reason;
   * the same candidate marked twice → invalid (a data-entry problem the counters must look at);
   * a blank ballot (no marks) is **valid** but gives nobody a vote — it counts towards the
     valid ballots, like an abstention on every candidate.
   Alternatively `totals` (votes per candidate; a candidate left out has 0) plus `invalid_count`
   may be given; they are checked for consistency (no candidate above the valid ballots, the sum
   not above valid ballots × seats).
4. **Threshold** (4.7). Votes in favour must be *strictly more* than half of the base: for a base
   of N people the minimum is N // 2 + 1 (exactly half fails). The base is 应到会 ("electorate",
   the default) or 实到会 ("present"); a caller may override it for one count.
5. **Ranking** (4.8). Those passing are ranked by votes. If no more pass than there are seats, all
   of them are elected. Otherwise the top `seats` are elected — unless a tie straddles the last
   seat: then nobody in that tie is elected and a re-vote (再次投票) among exactly the tied
   candidates is required for the seats left.
6. **Shortfall** (4.8). Seats not filled because too few passed → 另行选举 for that many seats
   (if close to the seat count, a majority of the voters may instead agree to reduce the seats).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction


class ThresholdBase(StrEnum):
    """Half of which number a winner's votes must exceed (RULES.md 4.7)."""

    ELECTORATE = "electorate"  # 应到会有选举权人数
    PRESENT = "present"  # 实到会有选举权人数


THRESHOLD_BASE_LABELS = {
    ThresholdBase.ELECTORATE: "应到会有选举权人数",
    ThresholdBase.PRESENT: "实到会有选举权人数",
}

_BASE_ALIASES = {
    "electorate": ThresholdBase.ELECTORATE,
    "应到会": ThresholdBase.ELECTORATE,
    "应到会有选举权人数": ThresholdBase.ELECTORATE,
    "present": ThresholdBase.PRESENT,
    "实到会": ThresholdBase.PRESENT,
    "实到会有选举权人数": ThresholdBase.PRESENT,
}


class CountStatus(StrEnum):
    QUORUM_NOT_MET = "quorum_not_met"  # 到会人数不足，不能进行选举
    VOID = "void"  # 收回的选票多于发出的选票，选举无效
    COUNTED = "counted"  # 已计票


class InvalidReason(StrEnum):
    OVER_VOTE = "over_vote"  # 所选人数多于应选名额
    UNKNOWN_CANDIDATE = "unknown_candidate"  # 含不在候选人名单中的编号
    DUPLICATE_MARK = "duplicate_mark"  # 同一候选人重复标记


class RoundKind(StrEnum):
    REVOTE = "revote"  # 票数相等，就并列的被选举人再次投票
    ADDITIONAL = "additional"  # 当选人数不足，对不足的名额另行选举


class CountInputError(ValueError):
    """Input that cannot describe a real count; `messages` are Chinese, one per problem."""

    def __init__(self, messages: Sequence[str] | str) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("；".join(self.messages))


# --- rules ---------------------------------------------------------------------------------------


def parse_threshold_base(value: ThresholdBase | str) -> ThresholdBase:
    try:
        return _BASE_ALIASES[str(value).strip()]
    except KeyError:
        raise CountInputError(
            f"当选票数计算基数“{value}”不正确，应为 electorate（应到会有选举权人数）"
            "或 present（实到会有选举权人数）。"
        ) from None


@dataclass(frozen=True)
class CountRules:
    """The rule values one count uses (defaults = the built-in "elections" rule set)."""

    quorum_numerator: int = 4
    quorum_denominator: int = 5
    quorum_strict: bool = True
    threshold_base: ThresholdBase = ThresholdBase.ELECTORATE
    slate_margin_percent: int = 20
    slate_round_up: bool = True
    version: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold_base", parse_threshold_base(self.threshold_base))
        if self.quorum_denominator < 1 or self.quorum_numerator < 0:
            raise CountInputError("规则设置有误：到会比例的分母至少为1，分子不能为负数。")
        if self.slate_margin_percent < 0:
            raise CountInputError("规则设置有误：差额比例不能为负数。")

    @classmethod
    def from_rules(cls, rules: object) -> CountRules:
        """From a `core.rulesets.Rules` of the "elections" domain, or any mapping of its keys."""
        if isinstance(rules, CountRules):
            return rules
        get = rules.__getitem__  # type: ignore[attr-defined]
        return cls(
            quorum_numerator=int(get("quorum_numerator")),
            quorum_denominator=int(get("quorum_denominator")),
            quorum_strict=bool(get("quorum_strict")),
            threshold_base=parse_threshold_base(get("threshold_base")),
            slate_margin_percent=int(Decimal(str(get("slate_margin_percent")))),
            slate_round_up=bool(get("slate_round_up")),
            version=str(getattr(rules, "version", "") or ""),
        )

    def with_threshold_base(self, base: ThresholdBase | str | None) -> CountRules:
        if base is None or base == "":
            return self
        return replace(self, threshold_base=parse_threshold_base(base))


# --- input ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class CountInput:
    seats: int  # 应选名额
    electorate: int  # 应到会有选举权人数（已扣除经上级同意不列入应到会的人数）
    present: int  # 实到会有选举权人数
    ballots_issued: int  # 发出选票数
    ballots_returned: int  # 收回选票数
    candidates: Sequence[Candidate | str]  # in ballot order
    ballots: Sequence[Sequence[str | int]] | None = None  # each: the ids marked in favour
    totals: Mapping[str, int] | None = None  # or: votes per candidate id (missing = 0)
    invalid_count: int | None = None  # with totals: invalid ballots (default 0)
    threshold_base: ThresholdBase | str | None = None  # overrides the rule for this count


# --- output --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuorumCheck:
    electorate: int
    present: int
    numerator: int
    denominator: int
    strict: bool
    required: str  # electorate × numerator / denominator, e.g. "33.6"
    minimum_present: int  # the fewest present that meet the quorum
    met: bool


@dataclass(frozen=True)
class InvalidBallot:
    number: int  # 1-based position in the ballots given
    reasons: tuple[InvalidReason, ...]
    detail: str


@dataclass(frozen=True)
class Threshold:
    base: ThresholdBase
    base_count: int  # N: the electorate or the present
    minimum_votes: int  # N // 2 + 1: strictly more than half
    overridden: bool  # the base was chosen for this count instead of taken from the rules


@dataclass(frozen=True)
class CandidateTally:
    id: str
    name: str
    votes: int
    passed: bool  # votes ≥ minimum_votes
    elected: bool
    tied: bool  # in a tie for the last seat(s): goes to a re-vote
    rank: int | None  # among those who passed, 1 = most votes; equal votes share a rank


@dataclass(frozen=True)
class FollowUpRound:
    kind: RoundKind
    seats: int
    candidates: tuple[str, ...]  # revote: exactly the tied ids; additional: () (chosen anew)
    reason: str


@dataclass(frozen=True)
class CountResult:
    status: CountStatus
    seats: int
    electorate: int
    present: int
    ballots_issued: int
    ballots_returned: int
    rules: CountRules
    quorum: QuorumCheck
    void: bool
    valid_ballots: int | None = None
    invalid_ballots: int | None = None
    blank_ballots: int | None = None  # only when the ballots themselves were given
    invalid_details: tuple[InvalidBallot, ...] = ()
    threshold: Threshold | None = None
    tallies: tuple[CandidateTally, ...] = ()  # in candidate-list order
    elected: tuple[str, ...] = ()  # ids, most votes first
    unfilled_seats: int = 0
    follow_up: tuple[FollowUpRound, ...] = ()
    explanation: tuple[str, ...] = field(default=())


# --- helpers -------------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """0–99 in Chinese numerals (五, 十二, 二十); larger numbers in Arabic digits."""
    if n < 0 or n > 99:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def fraction_words(numerator: int, denominator: int) -> str:
    if denominator == 1:
        return f"{chinese_number(numerator)}倍"
    if numerator == denominator:
        return "全部"
    return f"{chinese_number(denominator)}分之{chinese_number(numerator)}"


def format_number(value: Fraction) -> str:
    """Exact when the decimal ends within four places ("33.6"), else "约6.67"."""
    for places in range(5):
        scaled = value * 10**places
        if scaled.denominator == 1:
            text = f"{Decimal(scaled.numerator).scaleb(-places):f}"
            return text
    rounded = Decimal(value.numerator) / Decimal(value.denominator)
    return f"约{rounded.quantize(Decimal('0.01'))}"


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def candidate_count_required(
    seats: int, percent: int | str | Decimal, round_up: bool = True
) -> int:
    """The fewest candidates for a 差额 election: seats × (1 + percent/100), rounded up (进一法).

    5 seats → 6, 7 → 9 (8.4), 9 → 11 (10.8), 3 → 4 (3.6). With `round_up` off the extra number
    is rounded half up (四舍五入) instead: 7 → 8.
    """
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise CountInputError("应选名额至少为1名。")
    share = Fraction(str(percent)) / 100
    if share < 0:
        raise CountInputError("差额比例不能为负数。")
    extra = seats * share
    return seats + (math.ceil(extra) if round_up else _round_half_up(extra))


@dataclass(frozen=True)
class SlateCheck:
    seats: int
    candidates: int
    percent: int
    round_up: bool
    required: int
    ok: bool
    message: str


def check_slate(seats: int, n_candidates: int, rules: object) -> SlateCheck:
    """Whether a candidate list meets the 差额 rule (RULES.md 4.3), with a Chinese message."""
    r = CountRules.from_rules(rules)
    required = candidate_count_required(seats, r.slate_margin_percent, r.slate_round_up)
    exact = format_number(seats * (1 + Fraction(r.slate_margin_percent, 100)))
    method = "进一法" if r.slate_round_up else "四舍五入"
    rule = (
        f"候选人数应比应选名额多{r.slate_margin_percent}%以上"
        f"（{seats}×{format_number(1 + Fraction(r.slate_margin_percent, 100))}＝{exact}，"
        f"按{method}至少{required}名）"
    )
    ok = n_candidates >= required
    if ok:
        message = f"应选{seats}名，候选人{n_candidates}名，符合差额要求：{rule}。"
    else:
        message = f"应选{seats}名，候选人{n_candidates}名，差额不足：{rule}。"
    return SlateCheck(
        seats, n_candidates, r.slate_margin_percent, r.slate_round_up, required, ok, message
    )


def _names(items: Sequence[Candidate]) -> str:
    return "、".join(c.label for c in items)


# --- validation ----------------------------------------------------------------------------------

_NUMBER_LABELS = (
    ("seats", "应选名额"),
    ("electorate", "应到会有选举权人数"),
    ("present", "实到会有选举权人数"),
    ("ballots_issued", "发出选票数"),
    ("ballots_returned", "收回选票数"),
)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _candidates(spec: CountInput, errors: list[str]) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[str] = set()
    duplicates: list[str] = []
    for raw in spec.candidates or ():
        if isinstance(raw, Candidate):
            cand = Candidate(str(raw.id).strip(), (raw.name or "").strip())
        else:
            cand = Candidate(str(raw).strip())
        if not cand.id:
            errors.append("候选人编号不能为空。")
            continue
        if cand.id in seen:
            duplicates.append(cand.id)
        seen.add(cand.id)
        out.append(cand)
    if not out and not errors:
        errors.append("请填写候选人名单。")
    if duplicates:
        errors.append(f"候选人编号重复：{'、'.join(dict.fromkeys(duplicates))}。")
    return out


def _validate(spec: CountInput) -> list[Candidate]:
    errors: list[str] = []
    for attr, label in _NUMBER_LABELS:
        value = getattr(spec, attr)
        if not _is_int(value):
            errors.append(f"“{label}”应为整数。")
        elif value < 0:
            errors.append(f"“{label}”不能为负数。")
    if errors:
        raise CountInputError(errors)
    if spec.seats < 1:
        errors.append("应选名额至少为1名。")
    if spec.electorate < 1:
        errors.append("应到会有选举权人数至少为1人。")
    if spec.present > spec.electorate:
        errors.append(
            f"实到会有选举权人数（{spec.present}人）不能多于应到会有选举权人数"
            f"（{spec.electorate}人）。"
        )
    if spec.ballots_issued > spec.present:
        errors.append(
            f"发出的选票（{spec.ballots_issued}张）不能多于实到会有选举权人数（{spec.present}人）。"
        )
    candidates = _candidates(spec, errors)
    ids = {c.id for c in candidates}

    if (spec.ballots is None) == (spec.totals is None):
        errors.append(
            "请提供逐张选票（ballots）或各候选人得票数（totals），二者必须且只能提供一种。"
        )
    elif spec.ballots is not None:
        if spec.invalid_count is not None:
            errors.append("提供逐张选票时不填写无效票数，由系统逐张认定。")
        if len(spec.ballots) != spec.ballots_returned:
            errors.append(
                f"逐张选票共{len(spec.ballots)}张，与收回的选票数（{spec.ballots_returned}张）不一致。"
            )
        for number, ballot in enumerate(spec.ballots, 1):
            if isinstance(ballot, str | bytes) or not isinstance(ballot, Sequence):
                errors.append(f"第{number}张选票应为所选候选人编号的列表。")
                break
    else:
        invalid = 0 if spec.invalid_count is None else spec.invalid_count
        if not _is_int(invalid) or invalid < 0:
            errors.append("无效票数应为不小于0的整数。")
            invalid = 0
        elif invalid > spec.ballots_returned:
            errors.append(
                f"无效票数（{invalid}张）不能多于收回的选票数（{spec.ballots_returned}张）。"
            )
        valid = max(spec.ballots_returned - invalid, 0)
        unknown = [str(k) for k in spec.totals if str(k).strip() not in ids]
        if unknown:
            errors.append(f"得票数中有不在候选人名单中的编号：{'、'.join(unknown)}。")
        total = 0
        by_id = {c.id: c for c in candidates}
        for key, votes in spec.totals.items():
            cand = by_id.get(str(key).strip())
            label = cand.label if cand else str(key)
            if not _is_int(votes) or votes < 0:
                errors.append(f"{label}的得票数应为不小于0的整数。")
                continue
            total += votes
            if votes > valid:
                errors.append(f"{label}得{votes}票，多于有效票数（{valid}张）。")
        if _is_int(spec.seats) and total > valid * spec.seats:
            errors.append(
                f"各候选人得票合计{total}票，超过有效票数×应选名额"
                f"（{valid}×{spec.seats}＝{valid * spec.seats}票）。"
            )
    if errors:
        raise CountInputError(errors)
    return candidates


# --- the count -----------------------------------------------------------------------------------


def _quorum(spec: CountInput, r: CountRules) -> QuorumCheck:
    required = Fraction(spec.electorate * r.quorum_numerator, r.quorum_denominator)
    if r.quorum_strict:
        minimum = math.floor(required) + 1
    else:
        minimum = math.ceil(required)
    return QuorumCheck(
        electorate=spec.electorate,
        present=spec.present,
        numerator=r.quorum_numerator,
        denominator=r.quorum_denominator,
        strict=r.quorum_strict,
        required=format_number(required),
        minimum_present=minimum,
        met=spec.present >= minimum,
    )


def _read_ballots(
    spec: CountInput, candidates: list[Candidate], notes: list[str]
) -> tuple[Counter, int, int, list[InvalidBallot]]:
    by_id = {c.id: c for c in candidates}
    votes: Counter = Counter({c.id: 0 for c in candidates})
    valid = blank = 0
    invalid: list[InvalidBallot] = []
    for number, ballot in enumerate(spec.ballots or (), 1):
        marks = [str(m).strip() for m in ballot]
        reasons: list[InvalidReason] = []
        details: list[str] = []
        if len(marks) > spec.seats:
            reasons.append(InvalidReason.OVER_VOTE)
            details.append(f"所选{len(marks)}人，多于应选名额{spec.seats}名")
        unknown = list(dict.fromkeys(m for m in marks if m not in by_id))
        if unknown:
            reasons.append(InvalidReason.UNKNOWN_CANDIDATE)
            shown = "、".join(f"“{m}”" for m in unknown)
            details.append(f"含有不在候选人名单中的编号{shown}")
        repeated = [m for m, n in Counter(m for m in marks if m in by_id).items() if n > 1]
        if repeated:
            reasons.append(InvalidReason.DUPLICATE_MARK)
            details.append(f"重复标记同一候选人（{_names([by_id[m] for m in repeated])}）")
        if reasons:
            detail = f"第{number}张选票：{'；'.join(details)}，为无效票。"
            invalid.append(InvalidBallot(number, tuple(reasons), detail))
            notes.append(detail)
            continue
        valid += 1
        if not marks:
            blank += 1
        votes.update(marks)
    return votes, valid, blank, invalid


def count_ballots(spec: CountInput, rules: object) -> CountResult:
    """Count one election. `rules`: a `Rules` of the "elections" domain or a `CountRules`.

    Raises `CountInputError` (Chinese messages) for input that cannot describe a real count;
    a void election or a missed quorum is a result, not an error.
    """
    base_rules = CountRules.from_rules(rules)
    r = base_rules.with_threshold_base(spec.threshold_base)
    overridden = spec.threshold_base not in (None, "")
    candidates = _validate(spec)
    lines: list[str] = []
    common = {
        "seats": spec.seats,
        "electorate": spec.electorate,
        "present": spec.present,
        "ballots_issued": spec.ballots_issued,
        "ballots_returned": spec.ballots_returned,
        "rules": r,
    }
    lines.append(f"应选名额{spec.seats}名，候选人{len(candidates)}名：{_names(candidates)}。")

    # 1. Quorum (RULES.md 4.5).
    quorum = _quorum(spec, r)
    share = fraction_words(r.quorum_numerator, r.quorum_denominator)
    verb = "超过" if r.quorum_strict else "达到"
    head = (
        f"应到会有选举权人数{spec.electorate}人，实到会有选举权人数{spec.present}人，"
        f"须{verb}应到会人数的{share}（{quorum.required}人），即至少{quorum.minimum_present}人"
    )
    if not quorum.met:
        lines.append(f"{head}；到会人数不足，不能进行选举。")
        lines.extend(_rule_note(r))
        return CountResult(
            status=CountStatus.QUORUM_NOT_MET,
            quorum=quorum,
            void=False,
            unfilled_seats=spec.seats,
            explanation=tuple(lines),
            **common,
        )
    lines.append(f"{head}；符合规定，可以进行选举。")

    # 2. Ballots returned against issued (RULES.md 4.6).
    issued, returned = spec.ballots_issued, spec.ballots_returned
    if returned > issued:
        lines.append(
            f"发出选票{issued}张，收回选票{returned}张，收回的选票多于发出的选票，"
            "选举无效，应重新进行选举。"
        )
        lines.extend(_rule_note(r))
        return CountResult(
            status=CountStatus.VOID,
            quorum=quorum,
            void=True,
            unfilled_seats=spec.seats,
            explanation=tuple(lines),
            **common,
        )
    relation = "等于" if returned == issued else "少于"
    lines.append(
        f"发出选票{issued}张，收回选票{returned}张，收回的选票{relation}发出的选票，选举有效。"
    )

    # 3. Valid and invalid ballots (RULES.md 4.6).
    invalid_details: list[InvalidBallot] = []
    blank: int | None = None
    if spec.ballots is not None:
        notes: list[str] = []
        votes, valid, blank, invalid_details = _read_ballots(spec, candidates, notes)
        invalid = len(invalid_details)
        blank_note = (
            f"（其中空白票{blank}张：空白票为有效票，不计入任何候选人的得票）" if blank else ""
        )
        lines.append(f"经逐张认定，有效票{valid}张{blank_note}，无效票{invalid}张。")
        lines.extend(notes)
    else:
        totals = {str(k).strip(): v for k, v in (spec.totals or {}).items()}
        votes = Counter({c.id: totals.get(c.id, 0) for c in candidates})
        invalid = spec.invalid_count or 0
        valid = returned - invalid
        lines.append(f"按汇总得票数计票：有效票{valid}张，无效票{invalid}张。")

    # 4. Threshold (RULES.md 4.7).
    base_count = spec.electorate if r.threshold_base == ThresholdBase.ELECTORATE else spec.present
    minimum = base_count // 2 + 1
    threshold = Threshold(r.threshold_base, base_count, minimum, overridden)
    chosen = "（本次计票指定）" if overridden else ""
    lines.append(
        f"当选票数以{THRESHOLD_BASE_LABELS[r.threshold_base]}（{base_count}人）为基数{chosen}，"
        f"赞成票须超过其半数（{format_number(Fraction(base_count, 2))}人），即至少{minimum}票；"
        "得票恰为半数的不能当选。"
    )

    # 5. Ranking, ties and shortfall (RULES.md 4.8).
    order = sorted(candidates, key=lambda c: -votes[c.id])  # stable: list order on equal votes
    passing = [c for c in order if votes[c.id] >= minimum]
    elected: list[Candidate] = []
    tied: list[Candidate] = []
    follow_up: list[FollowUpRound] = []
    seats = spec.seats
    if len(passing) <= seats:
        elected = passing
    else:
        cutoff = votes[passing[seats - 1].id]
        if votes[passing[seats].id] < cutoff:
            elected = passing[:seats]
        else:
            elected = [c for c in passing if votes[c.id] > cutoff]
            tied = [c for c in passing if votes[c.id] == cutoff]
    ranks = {c.id: 1 + sum(votes[o.id] > votes[c.id] for o in passing) for c in passing}
    elected_ids = {c.id for c in elected}
    tied_ids = {c.id for c in tied}

    if len(passing) > seats:
        lines.append(
            f"得票超过半数的被选举人{len(passing)}名，多于应选名额{seats}名，"
            "以得票多少为序，至取足应选名额为止。"
        )
    for c in order:
        n = votes[c.id]
        if c.id in elected_ids:
            outcome = "超过半数，当选"
        elif c.id in tied_ids:
            others = _names([t for t in tied if t.id != c.id])
            outcome = f"超过半数，但与{others}票数相等，不能确定当选，须再次投票"
        elif c.id in ranks:
            outcome = "超过半数，但按得票多少排序未进入应选名额，不能当选"
        else:
            outcome = f"未超过半数（至少需{minimum}票），不能当选"
        lines.append(f"{c.label}：得票{n}票，{outcome}。")

    if tied:
        remaining = seats - len(elected)
        reason = (
            f"{_names(tied)}均得{votes[tied[0].id]}票，票数相等，争取最后{remaining}个名额，"
            f"应就这{len(tied)}名被选举人再次投票，得票多的当选。"
        )
        follow_up.append(
            FollowUpRound(RoundKind.REVOTE, remaining, tuple(c.id for c in tied), reason)
        )
        lines.append(reason)
    shortfall = 0 if tied else seats - len(elected)
    if shortfall > 0:
        reason = (
            f"得票超过半数的被选举人{len(passing)}名，少于应选名额{seats}名，"
            f"对不足的{shortfall}个名额另行选举；如接近应选名额，经半数以上选举人同意，"
            "也可以减少名额，不再进行选举。"
        )
        follow_up.append(FollowUpRound(RoundKind.ADDITIONAL, shortfall, (), reason))
        lines.append(reason)
    if elected:
        lines.append(f"当选{len(elected)}名（按得票多少为序）：{_names(elected)}。")
    else:
        lines.append("本轮无人当选。")
    lines.extend(_rule_note(r))

    tallies = tuple(
        CandidateTally(
            id=c.id,
            name=c.label,
            votes=votes[c.id],
            passed=c.id in ranks,
            elected=c.id in elected_ids,
            tied=c.id in tied_ids,
            rank=ranks.get(c.id),
        )
        for c in candidates
    )
    return CountResult(
        status=CountStatus.COUNTED,
        quorum=quorum,
        void=False,
        valid_ballots=valid,
        invalid_ballots=invalid,
        blank_ballots=blank,
        invalid_details=tuple(invalid_details),
        threshold=threshold,
        tallies=tallies,
        elected=tuple(c.id for c in elected),
        unfilled_seats=seats - len(elected),
        follow_up=tuple(follow_up),
        explanation=tuple(lines),
        **common,
    )


def _rule_note(r: CountRules) -> list[str]:
    return [f"计票依据的规则版本：{r.version}。"] if r.version else []
