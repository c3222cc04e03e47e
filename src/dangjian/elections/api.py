"""换届选举计票 endpoint: the pure count engine behind a JSON schema. Reads no records, writes none.

Errors: a malformed request (wrong type, missing field, unknown enum value, too long) is 422 from
the schema; numbers that cannot describe a real count (negative, present > electorate, issued >
present, duplicate candidates, totals above the valid ballots …) are 400 with a Chinese `detail`.
Ballots returned > ballots issued is not an error: the answer is a void election (status "void").
"""

from dataclasses import asdict
from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dangjian.api import ErrorOut
from dangjian.core.rulesets import rules_on
from dangjian.elections.count import (
    Candidate,
    CountInput,
    CountInputError,
    CountStatus,
    InvalidReason,
    RoundKind,
    ThresholdBase,
    count_ballots,
)
from dangjian.elections.rules import DOMAIN

router = Router(tags=["选举"])

MAX_CANDIDATES = 1000
MAX_BALLOTS = 100_000

CandidateId = str | int


class CandidateIn(Schema):
    id: CandidateId = Field(
        ..., description="候选人编号，在本次选举中唯一（字符串或整数，按字符串比较）"
    )
    name: str = Field("", max_length=100, description="候选人姓名；不填时以编号代替")


class CountIn(Schema):
    seats: int = Field(..., description="应选名额（至少1名）")
    electorate: int = Field(
        ...,
        description="应到会有选举权人数：正式党员人数，已扣除经上级党组织同意不列入应到会的人数"
        "（如出国半年以上、正在服刑、因病卧床不起等）",
    )
    present: int = Field(..., description="实到会有选举权人数，不能多于应到会人数")
    ballots_issued: int = Field(..., description="发出选票数，不能多于实到会有选举权人数")
    ballots_returned: int = Field(
        ..., description="收回选票数；多于发出选票数时选举无效（结果 status 为 void），不是错误"
    )
    candidates: list[CandidateIn] = Field(
        ...,
        min_length=1,
        max_length=MAX_CANDIDATES,
        description="候选人名单，按选票上的顺序；编号不能重复",
    )
    ballots: list[list[CandidateId]] | None = Field(
        None,
        max_length=MAX_BALLOTS,
        description="逐张选票（与 totals 二选一）：每张为所赞成的候选人编号列表，张数须等于收回选票数。"
        "所选人数多于应选名额、含不在名单中的编号（另选他人须先列入候选人名单）或重复标记同一"
        "候选人的为无效票；空列表为空白票，是有效票，但不计入任何候选人的得票",
    )
    totals: dict[str, int] | None = Field(
        None,
        description="各候选人得票数（与 ballots 二选一）：键为候选人编号，值为得票数；未列出的候选人"
        "按0票计",
    )
    invalid_count: int | None = Field(
        None, description="无效票数，仅与 totals 一起填写；不填按0张计"
    )
    threshold_base: ThresholdBase | None = Field(
        None,
        description="当选票数计算基数：electorate＝应到会有选举权人数，present＝实到会有选举权人数；"
        "不填按规则设置（内置默认为 electorate）",
    )
    on: date | None = Field(None, description="选举日期：按当日有效的选举规则计票，默认今天")


class RulesOut(Schema):
    quorum_numerator: int = Field(..., description="到会比例分子")
    quorum_denominator: int = Field(..., description="到会比例分母")
    quorum_strict: bool = Field(..., description="true：须超过该比例；false：达到（含）即可")
    threshold_base: ThresholdBase = Field(..., description="本次计票所用的当选票数计算基数")
    slate_margin_percent: int = Field(..., description="候选人差额比例（%）")
    slate_round_up: bool = Field(..., description="差额人数是否按进一法取整")
    version: str = Field(..., description="规则版本名称")


class QuorumOut(Schema):
    electorate: int = Field(..., description="应到会有选举权人数")
    present: int = Field(..., description="实到会有选举权人数")
    numerator: int = Field(..., description="比例分子")
    denominator: int = Field(..., description="比例分母")
    strict: bool = Field(..., description="是否须超过（不含）该比例")
    required: str = Field(..., description="应到会人数×比例，如“33.6”")
    minimum_present: int = Field(..., description="满足要求的最少到会人数")
    met: bool = Field(..., description="是否满足，不满足则不能进行选举")


class InvalidBallotOut(Schema):
    number: int = Field(..., description="第几张选票（按 ballots 中的顺序，从1起）")
    reasons: list[InvalidReason] = Field(
        ...,
        description="无效原因：over_vote＝所选人数多于应选名额，unknown_candidate＝含不在候选人名单"
        "中的编号，duplicate_mark＝重复标记同一候选人",
    )
    detail: str = Field(..., description="说明")


class ThresholdOut(Schema):
    base: ThresholdBase = Field(..., description="计算基数")
    base_count: int = Field(..., description="基数人数")
    minimum_votes: int = Field(..., description="当选最少票数：基数的一半取整后加1（须超过半数）")
    overridden: bool = Field(..., description="基数是否由本次请求指定")


class TallyOut(Schema):
    id: str = Field(..., description="候选人编号")
    name: str = Field(..., description="候选人姓名")
    votes: int = Field(..., description="得票数")
    passed: bool = Field(..., description="得票是否超过半数")
    elected: bool = Field(..., description="是否当选")
    tied: bool = Field(..., description="是否因票数相等须再次投票")
    rank: int | None = Field(..., description="在得票过半数者中的名次，票数相等名次相同")


class RoundOut(Schema):
    kind: RoundKind = Field(
        ..., description="revote＝就票数相等的被选举人再次投票，additional＝对不足的名额另行选举"
    )
    seats: int = Field(..., description="该轮应选名额")
    candidates: list[str] = Field(
        ..., description="再次投票的候选人编号；另行选举时为空，候选人另行酝酿确定"
    )
    reason: str = Field(..., description="说明")


class CountOut(Schema):
    status: CountStatus = Field(
        ...,
        description="quorum_not_met＝到会人数不足，不能进行选举；void＝收回选票多于发出选票，"
        "选举无效；counted＝已计票",
    )
    seats: int = Field(..., description="应选名额")
    electorate: int = Field(..., description="应到会有选举权人数")
    present: int = Field(..., description="实到会有选举权人数")
    ballots_issued: int = Field(..., description="发出选票数")
    ballots_returned: int = Field(..., description="收回选票数")
    rules: RulesOut = Field(..., description="本次计票所用的规则")
    quorum: QuorumOut = Field(..., description="到会人数检查")
    void: bool = Field(..., description="选举是否无效")
    valid_ballots: int | None = Field(..., description="有效票数（未计票时为 null）")
    invalid_ballots: int | None = Field(..., description="无效票数（未计票时为 null）")
    blank_ballots: int | None = Field(
        ..., description="空白票数（计入有效票）；按 totals 计票时为 null"
    )
    invalid_details: list[InvalidBallotOut] = Field(..., description="逐张认定的无效票及原因")
    threshold: ThresholdOut | None = Field(..., description="当选票数要求（未计票时为 null）")
    tallies: list[TallyOut] = Field(..., description="各候选人得票，按候选人名单顺序")
    elected: list[str] = Field(..., description="当选人编号，按得票多少为序")
    unfilled_seats: int = Field(..., description="本轮未产生的名额（含须再次投票的名额）")
    follow_up: list[RoundOut] = Field(..., description="须进行的后续投票")
    explanation: list[str] = Field(..., description="逐步说明")


@router.post(
    "/count",
    response={200: CountOut, 400: ErrorOut},
    summary="换届选举计票",
    description="按选举规则计票：到会人数、选票有效性、当选票数、排序、票数相等再次投票、"
    "名额不足另行选举，并逐步说明。不读取也不保存任何数据。",
)
def count(request: HttpRequest, payload: CountIn):
    rules = rules_on(DOMAIN, payload.on or timezone.localdate())
    spec = CountInput(
        seats=payload.seats,
        electorate=payload.electorate,
        present=payload.present,
        ballots_issued=payload.ballots_issued,
        ballots_returned=payload.ballots_returned,
        candidates=[Candidate(str(c.id), c.name) for c in payload.candidates],
        ballots=payload.ballots,
        totals=payload.totals,
        invalid_count=payload.invalid_count,
        threshold_base=payload.threshold_base,
    )
    try:
        result = count_ballots(spec, rules)
    except CountInputError as exc:
        return Status(400, {"detail": "；".join(exc.messages)})
    return Status(200, asdict(result))


# --- the term registry ---------------------------------------------------------------------------


class ElectionTermOut(Schema):
    id: int
    org_id: int = Field(..., description="党组织编号")
    org_name: str = Field(..., description="党组织全称")
    body: str = Field(
        ..., description="班子：committee 委员会，branch_committee 支部委员会，secretary 支部书记"
    )
    body_label: str
    started_on: date = Field(..., description="本届开始日期")
    length_years: int = Field(..., description="每届年限")
    due_on: date = Field(..., description="届满日期（经批准延期或提前的，为调整后的日期）")
    original_due_on: date = Field(..., description="原定届满日期")
    overdue: bool = Field(..., description="是否已届满而未换届")


class ElectionTermFilters(Schema):
    due_within_months: int | None = Field(
        None,
        ge=0,
        le=120,
        description="只列出今后N个月内届满的和已届满未换届的；不填则列出全部在任的届",
    )


@router.get(
    "/terms",
    response=list[ElectionTermOut],
    summary="任期登记",
    description="查看范围内各党组织的本届任期（按届满日期排序）。",
)
def terms(request: HttpRequest, filters: Query[ElectionTermFilters]):
    from dangjian.core.calendar import add_months
    from dangjian.elections.selectors import open_terms

    today = timezone.localdate()
    qs = open_terms(request.auth)
    if filters.due_within_months is not None:
        qs = qs.filter(due_on__lte=add_months(today, filters.due_within_months))
    return [
        ElectionTermOut(
            id=t.pk,
            org_id=t.org_id,
            org_name=t.org.name,
            body=t.body,
            body_label=str(t.get_body_display()),
            started_on=t.started_on,
            length_years=t.length_years,
            due_on=t.due_on,
            original_due_on=t.original_due_on,
            overdue=t.due_on < today,
        )
        for t in qs[:5000]
    ]
