"""发展党员 services: order, timing boundaries (both sides), votes, admission, 转正, corrections, scope."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from support import member_in

from dangjian.core.calendar import add_months
from dangjian.core.crypto import provider
from dangjian.development import services
from dangjian.development.demo import facts_for, step_dates
from dangjian.development.models import (
    Applicant,
    ApplicantStatus,
    ConfirmOutcome,
    Stage,
    StepRecord,
)
from dangjian.members.choices import MemberCategory, MemberStatus
from dangjian.members.idnumber import make_id_number
from dangjian.members.models import Member

A = date(2022, 3, 10)  # an application date whose whole path lies in the past


def rec(county, applicant, step, day, who="zhibu", **facts):
    merged = {**facts_for(step, applicant), **facts}
    return services.record_step(
        actor=county.users[who], applicant=applicant, step=step, done_on=day, **merged
    )


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- applicants -------------------------------------------------------------------------------


def test_create_applicant_encrypts_masks_and_records_step_one(county, make_applicant):
    a = make_applicant(A)
    assert a.stage == Stage.APPLICANT and a.status == ApplicantStatus.IN_PROGRESS
    assert a.org_path == county.branch_a1.path
    assert len(provider().decrypt(a.id_number_enc)) == 18
    assert a.id_number_masked.startswith("350402") and "*" in a.id_number_masked
    assert provider().decrypt(a.id_number_enc) not in a.id_number_masked
    assert a.phone_masked.startswith("137") and "*" in a.phone_masked
    (r,) = a.records.all()
    assert (r.step, r.done_on, r.ruleset_version) == (
        1,
        A,
        "《中国共产党发展党员工作细则》（中办发〔2014〕33号）",
    )
    assert LogEntry.objects.get_for_object(a).exists()
    entry = LogEntry.objects.get_for_object(a).first()
    assert "id_number_enc" not in entry.changes and "id_number_hash" not in entry.changes


def _raw(birth, applied, seq=77, gender="male", **extra):
    return {
        "name": "周小川", "gender": gender, "ethnicity": "汉族", "birth_date": birth,
        "id_number": make_id_number("350402", birth, seq, gender), "education": "bachelor",
        "occupation": "official", "phone": "", "applied_on": applied, **extra,
    }  # fmt: skip


def test_duplicate_id_number_of_a_member_or_active_applicant_is_refused(county, make_applicant):
    member = county.members["a1"][1]
    number = provider().decrypt(member.id_number_enc)
    raw = _raw(member.birth_date, A, gender=member.gender) | {"id_number": number}
    with pytest.raises(ValidationError) as exc:
        services.clean_applicant_data(raw)
    assert "已登记为党员" in messages(exc.value)
    a = make_applicant(A)
    raw = _raw(a.birth_date, A) | {
        "id_number": provider().decrypt(a.id_number_enc),
        "gender": a.gender,
    }
    before = Applicant.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.clean_applicant_data(raw)
    assert "已作为入党申请人登记" in messages(exc.value)
    assert Applicant.objects.count() == before
    # A stopped applicant may apply again.
    services.stop_applicant(actor=county.users["zhibu"], applicant=a, on=A, reason="调离本单位")
    assert services.clean_applicant_data(raw).id_number == provider().decrypt(a.id_number_enc)


@pytest.mark.parametrize(
    ("birth", "applied", "ok"),
    [
        (date(2000, 5, 20), date(2018, 5, 19), False),  # the day before the 18th birthday
        (date(2000, 5, 20), date(2018, 5, 20), True),  # on it
        (date(2004, 2, 29), date(2022, 2, 27), False),  # 29 February birthday, common year
        (date(2004, 2, 29), date(2022, 2, 28), True),
    ],
)
def test_minimum_age_at_application(county, birth, applied, ok):
    raw = _raw(birth, applied)
    if ok:
        data = services.clean_applicant_data(raw)
        services.create_applicant(actor=county.users["zhibu"], org=county.branch_a1, data=data)
        assert Applicant.objects.count() == 1
    else:
        with pytest.raises(ValidationError) as exc:
            services.clean_applicant_data(raw)
        assert "未满18周岁" in messages(exc.value) and "第五条" in messages(exc.value)
        assert Applicant.objects.count() == 0


def test_applicant_must_be_registered_in_a_branch_in_scope(county):
    data = services.clean_applicant_data(_raw(date(1995, 1, 1), A))
    with pytest.raises(ValidationError):
        services.create_applicant(actor=county.users["dangwei"], org=county.dangwei_a, data=data)
    with pytest.raises(Http404):
        services.create_applicant(actor=county.users["zhibu2"], org=county.branch_a1, data=data)
    assert Applicant.objects.count() == 0


# --- order and dates ----------------------------------------------------------------------------


def test_step_out_of_order_is_refused_naming_what_is_missing(county, make_applicant):
    a = make_applicant(A)
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 3, A + timedelta(days=40))
    assert "尚未完成②党组织派人谈话" in messages(exc.value)
    assert a.records.count() == 1


def test_steps_9_10_11_in_any_order_all_before_12(county, make_applicant, walk):
    a = walk(make_applicant(A), 8)
    d = step_dates(a)
    rec(county, a, 11, d[11])
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 12, d[12])
    assert "⑨确定入党介绍人" in messages(exc.value) and "⑩政治审查" in messages(exc.value)
    assert "⑪" not in messages(exc.value)
    rec(county, a, 10, d[10])
    rec(county, a, 9, d[9])
    rec(county, a, 12, d[12])
    assert a.records.filter(step=12).exists()


def test_future_date_and_date_before_previous_step_are_refused(county, make_applicant):
    a = make_applicant(A)
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 2, date.today() + timedelta(days=1))
    assert "不能晚于今天" in messages(exc.value)
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 2, A - timedelta(days=1))
    assert "早于前一步骤" in messages(exc.value)
    assert a.records.count() == 1


def test_committee_steps_need_approve(county, make_applicant, walk):
    a = walk(make_applicant(A), 3)
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 4, step_dates(a)[4], who="zhibu")
    assert "由上级党委登记" in messages(exc.value)
    rec(county, a, 4, step_dates(a)[4], who="dangwei")
    assert a.records.filter(step=4).exists()


def test_other_branch_secretary_gets_404(county, make_applicant):
    a = make_applicant(A)
    with pytest.raises(Http404):
        rec(county, a, 2, A + timedelta(days=3), who="zhibu2")
    assert a.records.count() == 1


# --- timing rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(("days_after", "overdue"), [(0, False), (1, True)])
def test_talk_within_one_month_else_flagged_overdue(county, make_applicant, days_after, overdue):
    a = make_applicant(A)
    r = rec(county, a, 2, add_months(A, 1) + timedelta(days=days_after))
    assert r.overdue is overdue
    if overdue:
        assert "逾期" in r.overdue_note and "第七条" in r.overdue_note


@pytest.mark.parametrize(
    ("activist_on", "candidate_on", "ok"),
    [
        (date(2023, 3, 15), date(2024, 3, 14), False),  # the day before the first anniversary
        (date(2023, 3, 15), date(2024, 3, 15), True),  # on it
        (date(2024, 2, 29), date(2025, 2, 27), False),  # 29 February: anniversary is 28 February
        (date(2024, 2, 29), date(2025, 2, 28), True),
    ],
)
def test_candidate_needs_a_full_year_as_activist(
    county, make_applicant, activist_on, candidate_on, ok
):
    a = make_applicant(activist_on - timedelta(days=60))
    rec(county, a, 2, activist_on - timedelta(days=50))
    rec(county, a, 3, activist_on)
    rec(county, a, 4, activist_on + timedelta(days=1), who="dangwei")
    rec(county, a, 5, activist_on + timedelta(days=2))
    rec(county, a, 6, activist_on + timedelta(days=3))
    if ok:
        rec(county, a, 7, candidate_on)
        a.refresh_from_db()
        assert a.stage == Stage.CANDIDATE and a.candidate_on == candidate_on
    else:
        with pytest.raises(ValidationError) as exc:
            rec(county, a, 7, candidate_on)
        text = messages(exc.value)
        assert f"满一年后方可确定为发展对象：{add_months(activist_on, 12):%Y年%-m月%-d日}起" in text
        assert "第十三条" in text
        a.refresh_from_db()
        assert a.stage == Stage.ACTIVIST and not a.records.filter(step=7).exists()


def test_documented_exception_needs_permission_and_a_reason(county, make_applicant, walk):
    a = walk(make_applicant(A), 6)
    early = add_months(a.activist_on, 10)
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 7, early, who="zhibu", exception_reason="表现突出")
    assert "没有登记例外" in messages(exc.value)
    with pytest.raises(ValidationError):
        rec(county, a, 7, early, who="dangwei")
    r = rec(county, a, 7, early, who="dangwei", exception_reason="抗洪抢险表现突出，党委会研究同意")
    assert r.exception and "满一年后方可确定" in r.exception_rules
    assert r.exception_reason.startswith("抗洪")
    # A reason where no rule is broken is refused (exceptions stay meaningful).
    with pytest.raises(ValidationError):
        rec(county, a, 8, early + timedelta(days=1), who="dangwei", exception_reason="无")


@pytest.mark.parametrize(
    ("days", "hours", "ok"), [(2, 16, False), (3, 0, True), (0, 24, True), (2, 23, False)]
)
def test_training_three_days_or_24_hours(county, make_applicant, walk, days, hours, ok):
    a = walk(make_applicant(A), 8)
    day = step_dates(a)[11]
    if ok:
        r = rec(county, a, 11, day, training_days=days, training_hours=hours)
        assert not r.exception
    else:
        with pytest.raises(ValidationError) as exc:
            rec(county, a, 11, day, training_days=days, training_hours=hours)
        assert "第十七条" in messages(exc.value)
        assert not a.records.filter(step=11).exists()


def test_failed_vetting_blocks_admission(county, make_applicant, walk):
    a = walk(make_applicant(A), 9)
    d = step_dates(a)
    rec(county, a, 10, d[10], passed=False)
    rec(county, a, 11, d[11])
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 12, d[12])
    assert "政治审查结论为不合格" in messages(exc.value)


@pytest.mark.parametrize(
    ("present", "in_favour", "passed"),
    [(5, 5, False), (6, 6, True), (10, 5, False), (10, 6, True)],
)
def test_branch_meeting_vote_thresholds(county, make_applicant, walk, present, in_favour, passed):
    a = walk(make_applicant(A), 14)
    day = step_dates(a)[15]
    r = rec(county, a, 15, day, votes_expected=10, votes_present=present, votes_for=in_favour)
    a.refresh_from_db()
    assert r.passed is passed
    assert a.meeting_on == (day if passed else None)
    assert a.stage == Stage.CANDIDATE
    if not passed:
        assert "未通过" in r.notes
        # The person stays where they were and the meeting can be held again.
        r2 = rec(county, a, 15, day + timedelta(days=30))
        a.refresh_from_db()
        assert r2.passed and a.meeting_on == day + timedelta(days=30)


def test_vote_counts_are_checked(county, make_applicant, walk):
    a = walk(make_applicant(A), 14)
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 15, step_dates(a)[15], votes_expected=10, votes_present=11, votes_for=6)
    assert "实到会人数不能多于应到会人数" in messages(exc.value)
    assert not a.records.filter(step=15).exists()


@pytest.mark.parametrize(
    ("offset", "result"),
    [("3m", "ok"), ("3m+1", "overdue"), ("6m", "overdue"), ("6m+1", "refused")],
)
def test_approval_within_three_months_at_most_six(county, make_applicant, walk, offset, result):
    a = walk(make_applicant(date(2021, 1, 10)), 16)
    months, _, extra = offset.partition("+")
    day = add_months(a.meeting_on, int(months[:-1])) + timedelta(days=int(extra or 0))
    if result == "refused":
        with pytest.raises(ValidationError) as exc:
            rec(county, a, 17, day, who="dangwei")
        assert "不能再审批" in messages(exc.value) and "六个月" in messages(exc.value)
        assert not Member.objects.filter(
            name=a.name, org=a.org, category=MemberCategory.PROBATIONARY
        ).exists()
    else:
        r = rec(county, a, 17, day, who="dangwei")
        assert r.overdue is (result == "overdue")


# --- admission and 转正 --------------------------------------------------------------------------


def test_approval_creates_probationary_member_joined_on_meeting_day(county, make_applicant, walk):
    a = walk(make_applicant(A), 17)
    m = a.member
    assert m is not None and a.status == ApplicantStatus.ADMITTED and a.stage == Stage.PROBATIONARY
    assert (m.category, m.joined_on, m.org_id) == (
        MemberCategory.PROBATIONARY,
        a.meeting_on,
        a.org_id,
    )
    assert m.confirmed_on is None and m.name == a.name
    assert provider().decrypt(m.id_number_enc) == provider().decrypt(a.id_number_enc)
    assert a.probation_end == add_months(a.meeting_on, 12)


def test_rejected_approval_stops_the_applicant(county, make_applicant, walk):
    a = walk(make_applicant(A), 16)
    rec(county, a, 17, step_dates(a)[17], who="dangwei", passed=False, notes="材料不全")
    a.refresh_from_db()
    assert a.status == ApplicantStatus.STOPPED and a.member is None and "不批准" in a.stop_reason


def test_confirmation_meeting_not_before_probation_end_then_full_member(
    county, make_applicant, walk
):
    a = walk(make_applicant(A), 22)
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 23, a.probation_end - timedelta(days=1))
    assert "期满后方可讨论转正" in messages(exc.value)
    rec(county, a, 23, a.probation_end)
    rec(county, a, 24, a.probation_end + timedelta(days=20), who="dangwei")
    a.refresh_from_db()
    a.member.refresh_from_db()
    assert a.status == ApplicantStatus.CONFIRMED and a.stage == Stage.FULL
    assert a.member.category == MemberCategory.FULL and a.member.confirmed_on == a.probation_end
    rec(county, a, 25, a.probation_end + timedelta(days=30))
    assert (
        services.available_steps(
            a, services.done_map(list(services.current_records(a)), a.confirm_round)
        )
        == []
    )


def test_extension_moves_probation_end_only_once(county, make_applicant, walk):
    a = walk(make_applicant(date(2021, 1, 10)), 22)
    end = a.probation_end
    with pytest.raises(ValidationError):
        rec(county, a, 23, end, confirm_outcome=ConfirmOutcome.EXTEND, extend_months=5)
    with pytest.raises(ValidationError):
        rec(county, a, 23, end, confirm_outcome=ConfirmOutcome.EXTEND, extend_months=13)
    rec(county, a, 23, end, confirm_outcome=ConfirmOutcome.EXTEND, extend_months=6)
    rec(county, a, 24, end + timedelta(days=10), who="dangwei")
    a.refresh_from_db()
    assert a.extended_months == 6 and a.probation_end == add_months(end, 6) and a.confirm_round == 2
    assert a.member.category == MemberCategory.PROBATIONARY
    # A new round: ㉒ again, and no second extension.
    rec(county, a, 22, a.probation_end - timedelta(days=5))
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 23, a.probation_end, confirm_outcome=ConfirmOutcome.EXTEND, extend_months=6)
    assert "只能延长一次" in messages(exc.value)
    rec(county, a, 23, a.probation_end)
    rec(county, a, 24, a.probation_end + timedelta(days=3), who="dangwei")
    a.refresh_from_db()
    a.member.refresh_from_db()
    assert a.member.confirmed_on == add_months(end, 6) and a.member.category == MemberCategory.FULL


def test_cancellation_sets_member_left(county, make_applicant, walk):
    a = walk(make_applicant(A), 22)
    rec(
        county,
        a,
        23,
        a.probation_end,
        confirm_outcome=ConfirmOutcome.CANCEL,
        notes="不履行党员义务",
    )
    rec(county, a, 24, a.probation_end + timedelta(days=5), who="dangwei")
    a.refresh_from_db()
    a.member.refresh_from_db()
    assert a.member.status == MemberStatus.LEFT
    assert a.member.status_reason.startswith("取消预备党员资格：")
    assert a.status == ApplicantStatus.STOPPED


# --- people, corrections, documents -------------------------------------------------------------


def test_contacts_and_introducers_must_be_full_members(county, make_applicant, walk):
    a = walk(make_applicant(A), 4)
    probationary = member_in(county.branch_a1, category="probationary", confirmed_on=None)
    full = county.members["a1"][1]
    day = step_dates(a)[5]
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 5, day, contacts=[full, probationary])
    assert "正式党员" in messages(exc.value)
    with pytest.raises(ValidationError):
        rec(county, a, 5, day, contacts=county.members["a1"][:3])
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 5, day, contacts=[county.members["b1"][0]])  # outside zhibu's view
    assert "不在您可查看" in messages(exc.value)
    r = rec(county, a, 5, day, contacts=[full])
    assert list(r.contacts.all()) == [full]
    a = walk(a, 8)
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 9, step_dates(a)[9], introducers=[full])
    assert "2名正式党员" in messages(exc.value)


def test_correction_is_a_new_record_replacing_the_old(county, make_applicant, walk):
    a = walk(make_applicant(A), 3)
    old = a.records.get(step=3)
    with pytest.raises(ValidationError):
        services.record_step(
            actor=county.users["zhibu"],
            applicant=a,
            step=3,
            done_on=old.done_on,
            decision_body="branch_committee",
        )
    with pytest.raises(ValidationError):  # a reason is needed
        services.record_step(
            actor=county.users["zhibu"], applicant=a, step=3, done_on=old.done_on, replaces=old,
            decision_body="branch_committee",
        )  # fmt: skip
    new = services.record_step(
        actor=county.users["zhibu"], applicant=a, step=3, done_on=old.done_on - timedelta(days=3), replaces=old,
        decision_body="branch_assembly", correction_reason="会议记录日期抄错",
    )  # fmt: skip
    a.refresh_from_db()
    old.refresh_from_db()
    assert StepRecord.objects.filter(pk=old.pk).exists() and old.replaced_by == new
    assert a.activist_on == old.done_on - timedelta(days=3)
    with pytest.raises(ValidationError):  # the replaced record cannot be corrected again
        services.record_step(
            actor=county.users["zhibu"], applicant=a, step=3, done_on=old.done_on, replaces=old,
            decision_body="branch_committee", correction_reason="再改",
        )  # fmt: skip


def test_documents_type_and_size_limits(county, make_applicant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = make_applicant(A)
    bad = SimpleUploadedFile("谈话记录.exe", b"MZ....", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 2, A + timedelta(days=5), documents=[bad])
    assert "类型不支持" in messages(exc.value)
    assert a.records.count() == 1 and not list(tmp_path.rglob("*.*"))
    big = SimpleUploadedFile("记录.pdf", b"%PDF" + b"0" * services.MAX_DOCUMENT_BYTES)
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 2, A + timedelta(days=5), documents=[big])
    assert "超过10MB" in messages(exc.value)
    good = SimpleUploadedFile("谈话记录.pdf", b"%PDF-1.4 test")
    r = rec(county, a, 2, A + timedelta(days=5), documents=[good])
    (doc,) = r.documents.all()
    assert doc.original_name == "谈话记录.pdf" and doc.file.name.startswith(f"development/{a.pk}/")
    assert (tmp_path / doc.file.name).read_bytes() == b"%PDF-1.4 test"


def test_stop_applicant(county, make_applicant):
    a = make_applicant(A)
    with pytest.raises(ValidationError):
        services.stop_applicant(actor=county.users["zhibu"], applicant=a, on=A, reason=" ")
    services.stop_applicant(
        actor=county.users["zhibu"], applicant=a, on=A + timedelta(days=1), reason="本人撤回申请"
    )
    a.refresh_from_db()
    assert a.status == ApplicantStatus.STOPPED
    with pytest.raises(ValidationError):
        rec(county, a, 2, A + timedelta(days=2))


# --- plans --------------------------------------------------------------------------------------


def test_plans_set_by_the_level_above(county, make_applicant, walk):
    from dangjian.development.selectors import plan_rows

    with pytest.raises(ValidationError):
        services.set_plan(actor=county.users["zhibu"], org=county.branch_a1, year=2023, quota=2)
    with pytest.raises(Http404):
        services.set_plan(actor=county.users["dangwei"], org=county.branch_b1, year=2023, quota=2)
    services.set_plan(actor=county.users["dangwei"], org=county.dangwei_a, year=2023, quota=3)
    services.set_plan(actor=county.users["dangwei"], org=county.branch_a1, year=2023, quota=2)
    services.set_plan(actor=county.users["dangwei"], org=county.branch_a1, year=2023, quota=1)
    a = walk(make_applicant(A), 17)
    year = a.approved_on.year
    assert year == 2023
    rows = {
        r["org"].pk: r for r in plan_rows(county.users["dangwei"], org=county.dangwei_a, year=year)
    }
    assert rows[county.dangwei_a.pk]["quota"] == 3 and rows[county.dangwei_a.pk]["done"] == 1
    assert rows[county.branch_a1.pk]["quota"] == 1 and rows[county.branch_a1.pk]["remaining"] == 0
    assert rows[county.branch_a2.pk]["quota"] is None and rows[county.branch_a2.pk]["done"] == 0


# --- local settings (off by default) ------------------------------------------------------------


def _local_rules(county, **values):
    from dangjian.core.rulesets import add_ruleset

    add_ruleset(
        actor=county.users["gongwei"], domain_key="development", name="本地补充规定", effective_from=date(2020, 1, 1),
        values=values,
    )  # fmt: skip


@pytest.mark.parametrize(("days_before", "ok"), [(1, False), (0, True)])
def test_local_rule_application_six_months_before_activist(county, make_applicant, days_before, ok):
    _local_rules(county, activist_min_application_months=6)
    a = make_applicant(A)
    rec(county, a, 2, A + timedelta(days=5))
    day = add_months(A, 6) - timedelta(days=days_before)
    if ok:
        assert rec(county, a, 3, day).ruleset_version == "本地补充规定"
    else:
        with pytest.raises(ValidationError) as exc:
            rec(county, a, 3, day)
        assert "递交申请书未满6个月" in messages(exc.value) and "本地补充规定" in messages(
            exc.value
        )


def test_local_rule_publicity_working_days(county, make_applicant, walk):
    a = walk(make_applicant(A), 6)
    _local_rules(county, publicity_working_days=5)
    day = add_months(a.activist_on, 12) + timedelta(days=10)
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 7, day)
    assert "未登记公示起止日期" in messages(exc.value)
    # Monday 2023-06-12 to Thursday 06-15: 4 working days; to Friday 06-16: 5.
    with pytest.raises(ValidationError) as exc:
        rec(county, a, 7, day, publicity_start=date(2023, 6, 12), publicity_end=date(2023, 6, 15))
    assert "公示4个工作日，不足5个工作日" in messages(exc.value)
    assert day == date(2023, 6, 20)
    r = rec(county, a, 7, day, publicity_start=date(2023, 6, 12), publicity_end=date(2023, 6, 16))
    assert (r.publicity_start, r.publicity_end) == (date(2023, 6, 12), date(2023, 6, 16))


def test_working_days_counts_monday_to_friday():
    assert services.working_days(date(2024, 6, 3), date(2024, 6, 9)) == 5
    assert services.working_days(date(2024, 6, 8), date(2024, 6, 9)) == 0
    assert services.working_days(date(2024, 6, 9), date(2024, 6, 8)) == 0


def test_correcting_the_application_date_rechecks_age(county, make_applicant):
    a = make_applicant(date(2018, 5, 25), birth=date(2000, 5, 20))
    first = a.records.get(step=1)
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            actor=county.users["zhibu"], applicant=a, step=1, done_on=date(2018, 5, 19), replaces=first,
            correction_reason="日期有误",
        )  # fmt: skip
    assert "未满18周岁" in messages(exc.value)
    services.record_step(
        actor=county.users["zhibu"], applicant=a, step=1, done_on=date(2018, 5, 20), replaces=first,
        correction_reason="日期有误",
    )  # fmt: skip
    a.refresh_from_db()
    assert a.applied_on == date(2018, 5, 20)
