"""Transfers end to end through the services: the member always belongs to exactly one organisation."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone
from support import member_in

from dangjian.core.calendar import add_months
from dangjian.core.rulesets import add_ruleset, rules_on
from dangjian.members.choices import MemberStatus
from dangjian.members.idnumber import make_id_number
from dangjian.members.models import Member
from dangjian.orgs.models import Organization, OrgType
from dangjian.orgs.selectors import member_counts, subtree_member_totals
from dangjian.transfers import services
from dangjian.transfers.models import Transfer, TransferEvent, TransferKind, TransferState
from dangjian.transfers.selectors import (
    EXPIRED,
    RECEIPT_DUE_SOON,
    RECEIPT_OVERDUE,
    bucket,
    transfers_for,
)

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def dues_now():
    t = today()
    return {"dues_year": t.year, "dues_month": t.month}


def where(member, county) -> list[str]:
    """Which of the county's branches count the member (good standing), and how many rows they have."""
    member.refresh_from_db()
    counted = []
    for key in ("branch_a1", "branch_a2", "branch_b1"):
        branch = getattr(county, key)
        if Member.objects.filter(
            pk=member.pk, org_path__startswith=branch.path, status=MemberStatus.NORMAL
        ).exists():
            counted.append(key)
    return counted


def assert_totals(county, expected_total: int):
    """The 工委's count equals the sum over its 党委 (no member counted twice or lost in transit)."""
    total = member_counts(county.gongwei).total
    parts = subtree_member_totals([county.dangwei_a, county.dangwei_b])
    assert total == expected_total
    assert sum(parts.values()) == expected_total
    assert (
        member_counts(county.branch_a1).total + member_counts(county.branch_a2).total
        == parts[county.dangwei_a.pk]
    )


def within_transfer(county, member=None, **over):
    member = member or county.members["a1"][1]
    kwargs = dict(
        actor=county.users["zhibu"],
        member=member,
        kind=TransferKind.WITHIN,
        to_org=county.branch_b1,
        reason="工作调动",
        **dues_now(),
    )
    kwargs.update(over)
    return services.create_transfer(**kwargs)


def test_within_transfer_between_two_party_committees_with_receipt(county):
    member = county.members["a1"][1]
    total = member_counts(county.gongwei).total
    zhibu, zhibu2 = county.users["zhibu"], county.users["zhibu2"]

    t = within_transfer(county, member)
    assert (
        t.state == TransferState.DRAFT
        and t.from_path == county.branch_a1.path
        and t.to_path == county.branch_b1.path
    )
    assert where(member, county) == ["branch_a1"]
    assert_totals(county, total)

    issued_on = today() - timedelta(days=5)
    t = services.issue(actor=zhibu, transfer=t, on=issued_on)
    assert t.state == TransferState.ISSUED
    assert t.letter_number == f"〔{issued_on.year}〕第0001号"
    assert t.validity_days == 30 and t.valid_until == issued_on + timedelta(days=30)
    assert where(member, county) == ["branch_a1"]  # in transit: still the sender's
    assert_totals(county, total)

    # The sender cannot confirm 报到 for the receiver; the receiver can.
    with pytest.raises(Http404):
        services.confirm_report(actor=zhibu, transfer=t, on=today())
    t = services.confirm_report(actor=zhibu2, transfer=t, on=today() - timedelta(days=2))
    assert t.state == TransferState.REPORTED
    assert t.receipt_due == add_months(today() - timedelta(days=2), 1)
    assert where(member, county) == ["branch_b1"]
    member.refresh_from_db()
    assert member.org_id == county.branch_b1.pk and member.org_path == county.branch_b1.path
    assert_totals(county, total)

    t = services.record_receipt(actor=zhibu, transfer=t, on=today())
    assert t.state == TransferState.RECEIPT_RETURNED
    t = services.complete(actor=zhibu, transfer=t, on=today())
    assert t.state == TransferState.COMPLETED
    assert where(member, county) == ["branch_b1"]
    assert_totals(county, total)
    history = list(TransferEvent.objects.filter(transfer=t).values_list("from_state", "to_state"))
    assert history == [
        ("", "draft"),
        ("draft", "issued"),
        ("issued", "reported"),
        ("reported", "receipt_returned"),
        ("receipt_returned", "completed"),
    ]
    assert all(e.actor is not None for e in t.events.all())


def test_letter_numbers_run_per_year(county):
    t1 = services.issue(
        actor=county.users["zhibu"],
        transfer=within_transfer(county, county.members["a1"][1]),
        on=today(),
    )
    t2 = services.issue(
        actor=county.users["zhibu"],
        transfer=within_transfer(county, county.members["a1"][2]),
        on=today(),
    )
    assert (t1.letter_seq, t2.letter_seq) == (1, 2)
    assert t2.letter_number == f"〔{today().year}〕第0002号"


def test_transfer_out_of_the_tree_is_relayed_by_the_gongwei(county):
    member = county.members["a1"][1]
    total = member_counts(county.gongwei).total
    zhibu, gongwei = county.users["zhibu"], county.users["gongwei"]
    t = services.create_transfer(
        actor=zhibu,
        member=member,
        kind=TransferKind.OUT,
        to_name="中共某市财政局机关委员会",
        to_address="某市人民路1号",
        reason="调往外地工作",
        **dues_now(),
    )
    assert t.to_path == "" and t.to_org is None
    # The branch cannot issue a letter that leaves the tree: the 工委 issues it on its behalf.
    with pytest.raises(Http404):
        services.issue(actor=zhibu, transfer=t, on=today())
    t = services.issue(actor=gongwei, transfer=t, on=today() - timedelta(days=10), validity_days=20)
    assert t.validity_days == 20 and t.state == TransferState.ISSUED
    assert "工委代为开具" in t.events.last().note
    assert where(member, county) == ["branch_a1"]
    assert_totals(county, total)

    # The receipt from outside says when the member reported; until it is back the member is ours.
    with pytest.raises(ValidationError, match="报到的日期"):
        services.record_receipt(actor=gongwei, transfer=t, on=today())
    t.refresh_from_db()
    assert t.state == TransferState.ISSUED
    t = services.record_receipt(
        actor=gongwei, transfer=t, on=today(), reported_on=today() - timedelta(days=8)
    )
    member.refresh_from_db()
    assert member.status == MemberStatus.TRANSFERRED_OUT and member.status_date == today()
    assert "中共某市财政局机关委员会" in member.status_reason
    assert member.org_id == county.branch_a1.pk  # the record stays where it was, no longer counted
    assert where(member, county) == []
    assert_totals(county, total - 1)
    t = services.complete(actor=gongwei, transfer=t, on=today())
    assert t.state == TransferState.COMPLETED


def _person(**over):
    birth = over.pop("birth_date", date(1988, 4, 2))
    raw = {
        "name": "欧阳明",
        "gender": "male",
        "ethnicity": "汉族",
        "birth_date": birth,
        "id_number": make_id_number("350181", birth, 77, "male"),
        "education": "bachelor",
        "occupation": "official",
        "phone": "13900001234",
        "joined_on": date(2012, 6, 1),
        "confirmed_on": date(2013, 6, 1),
        "category": "full",
    }
    raw.update(over)
    return raw


def test_incoming_transfer_creates_the_member_at_report(county):
    gongwei, zhibu2 = county.users["gongwei"], county.users["zhibu2"]
    total = member_counts(county.gongwei).total
    with pytest.raises(Http404):  # a branch cannot register a letter from outside
        services.register_incoming(
            actor=zhibu2,
            to_org=county.branch_b1,
            person=_person(),
            from_name="中共外县委组织部",
            letter_no="外组〔2026〕12号",
            issued_on=today() - timedelta(days=3),
            validity_days=30,
            reason="调入",
            **dues_now(),
        )
    t = services.register_incoming(
        actor=gongwei,
        to_org=county.branch_b1,
        person=_person(),
        from_name="中共外县委组织部",
        letter_no="外组〔2026〕12号",
        issued_on=today() - timedelta(days=3),
        validity_days=30,
        reason="调入",
        **dues_now(),
    )
    assert (
        t.kind == TransferKind.IN
        and t.state == TransferState.ISSUED
        and t.letter_number == "外组〔2026〕12号"
    )
    assert t.member is None and t.incoming_id_masked.startswith("350181")
    assert "3501811988" not in str(t.incoming_data)  # the plain number is not stored in the clear
    assert not Member.objects.filter(name="欧阳明").exists()
    assert_totals(county, total)

    t = services.confirm_report(actor=zhibu2, transfer=t, on=today())
    member = Member.objects.get(name="欧阳明")
    assert t.member_id == member.pk and member.org_id == county.branch_b1.pk
    assert where(member, county) == ["branch_b1"]
    assert_totals(county, total + 1)
    t = services.record_receipt(actor=gongwei, transfer=t, on=today())
    t = services.complete(actor=gongwei, transfer=t, on=today())
    assert t.state == TransferState.COMPLETED
    assert Member.objects.filter(name="欧阳明").count() == 1


def test_incoming_person_already_registered_is_refused(county):
    existing = county.members["a2"][0]
    from dangjian.core.crypto import provider

    raw = _person(
        name=existing.name,
        birth_date=existing.birth_date,
        gender=existing.gender,
        id_number=provider().decrypt(existing.id_number_enc),
    )
    before = Transfer.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.register_incoming(
            actor=county.users["gongwei"],
            to_org=county.branch_b1,
            person=raw,
            from_name="外县",
            letter_no="1",
            issued_on=today(),
            validity_days=30,
            reason="调入",
            **dues_now(),
        )
    assert "已登记" in str(exc.value)
    assert Transfer.objects.count() == before


def test_expired_letter_and_reissue(county):
    member = county.members["a1"][1]
    total = member_counts(county.gongwei).total
    issued_on = today() - timedelta(days=40)
    t = services.issue(
        actor=county.users["zhibu"],
        transfer=within_transfer(county, member),
        on=issued_on,
        validity_days=30,
    )
    assert t.valid_until == today() - timedelta(days=10)
    # Shown as expired before the command runs.
    qs = transfers_for(county.users["zhibu"])
    assert list(bucket(qs, EXPIRED, today())) == [t]
    assert t.is_expired_on(today()) and t.shown_state(today()) == "过期"
    with pytest.raises(ValidationError, match="超过有效期"):
        services.confirm_report(actor=county.users["zhibu2"], transfer=t, on=today())
    # A second transfer for the same member is refused while this one is open.
    with pytest.raises(ValidationError, match="重新开具"):
        within_transfer(county, member)
    call_command("expire-transfers")
    t.refresh_from_db()
    assert (
        t.state == TransferState.EXPIRED and t.closed_on == today() and "未报到" in t.closed_reason
    )
    assert where(member, county) == ["branch_a1"]
    assert_totals(county, total)
    new = services.reissue(actor=county.users["zhibu"], transfer=t)
    assert new.state == TransferState.DRAFT and new.reissue_of_id == t.pk
    t.refresh_from_db()
    assert t.state == TransferState.EXPIRED  # the old one stays
    new = services.issue(actor=county.users["zhibu"], transfer=new, on=today())
    services.confirm_report(actor=county.users["zhibu2"], transfer=new, on=today())
    assert where(member, county) == ["branch_b1"]
    assert_totals(county, total)


def test_validity_boundary_last_day_and_the_day_after(county):
    m1, m2 = county.members["a1"][1], county.members["a1"][2]
    # Issued 30 days ago with 30 days: today is the last valid day.
    t1 = services.issue(
        actor=county.users["zhibu"],
        transfer=within_transfer(county, m1),
        on=today() - timedelta(days=30),
    )
    t2 = services.issue(
        actor=county.users["zhibu"],
        transfer=within_transfer(county, m2),
        on=today() - timedelta(days=31),
    )
    assert t1.valid_until == today() and t2.valid_until == today() - timedelta(days=1)
    assert services.expire_letters(today()) == 1
    t1.refresh_from_db()
    t2.refresh_from_db()
    assert (t1.state, t2.state) == (TransferState.ISSUED, TransferState.EXPIRED)
    services.confirm_report(actor=county.users["zhibu2"], transfer=t1, on=today())
    assert where(m1, county) == ["branch_b1"]


def test_receipt_deadline_is_one_calendar_month_and_reminders(county):
    zhibu, zhibu2 = county.users["zhibu"], county.users["zhibu2"]
    ms = county.members["a1"][1:4]
    reported = [
        add_months(today(), -1),
        add_months(today(), -1) + timedelta(days=1),
        today() - timedelta(days=25),
    ]
    transfers = []
    for m, day in zip(ms, reported, strict=True):
        t = services.issue(
            actor=zhibu, transfer=within_transfer(county, m), on=day - timedelta(days=2)
        )
        transfers.append(services.confirm_report(actor=zhibu2, transfer=t, on=day))
    assert [t.receipt_due for t in transfers] == [add_months(d, 1) for d in reported]
    due = transfers[0].receipt_due
    qs = transfers_for(county.users["gongwei"])
    # On the due day itself the receipt is not overdue yet, only "due soon"; the next day it is.
    assert set(bucket(qs, RECEIPT_OVERDUE, due)) == set()
    soon = set(bucket(qs, RECEIPT_DUE_SOON, due))
    assert transfers[0] in soon and transfers[1] in soon
    assert set(bucket(qs, RECEIPT_OVERDUE, due + timedelta(days=1))) == {transfers[0]}
    # The warning window is a setting (7 days): a receipt due 8 days later is not listed yet.
    assert transfers[2] not in set(
        bucket(qs, RECEIPT_DUE_SOON, transfers[2].receipt_due - timedelta(days=8))
    )
    assert transfers[2] in set(
        bucket(qs, RECEIPT_DUE_SOON, transfers[2].receipt_due - timedelta(days=7))
    )
    # zhibu2's own view shows them too (the receiving end must return the receipt).
    assert transfers[0] in set(
        bucket(transfers_for(zhibu2), RECEIPT_OVERDUE, due + timedelta(days=1))
    )


def test_receipt_due_from_31_january_and_29_february():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 1) == date(2024, 3, 29)


def test_bad_input_changes_nothing(county):
    zhibu = county.users["zhibu"]
    member = county.members["a1"][1]
    before = (Transfer.objects.count(), TransferEvent.objects.count())
    t = today()
    nxt = add_months(t, 1)
    with pytest.raises(ValidationError, match="只能交到本月"):
        within_transfer(county, member, dues_year=nxt.year, dues_month=nxt.month)
    with pytest.raises(ValidationError, match="转入党组织不存在"):
        within_transfer(county, member, to_org=Organization(pk=987654))
    with pytest.raises(ValidationError, match="相同"):
        within_transfer(county, member, to_org=county.branch_a1)
    with pytest.raises(ValidationError, match="请选择一个党支部"):
        within_transfer(county, member, to_org=county.dangwei_b)
    with pytest.raises(ValidationError, match="不能超过30天"):
        within_transfer(county, member, validity_days=31)
    with pytest.raises(ValidationError, match="转接原因"):
        within_transfer(county, member, reason=" ")
    assert (Transfer.objects.count(), TransferEvent.objects.count()) == before
    # The current month itself is fine; the rule's maximum is accepted.
    d = within_transfer(county, member, validity_days=30)
    # Issuing with more days than the rule set in force allows is refused, the draft stays a draft.
    with pytest.raises(ValidationError) as exc:
        services.issue(actor=zhibu, transfer=d, on=today(), validity_days=45)
    assert "介绍信有效期（最长）：30天" in str(exc.value)
    d.refresh_from_db()
    assert d.state == TransferState.DRAFT and d.letter_number == ""
    # Member with an open transfer cannot get a second one.
    with pytest.raises(ValidationError, match="未办结"):
        within_transfer(county, member, to_org=county.branch_a2)
    assert Transfer.objects.filter(member=member).count() == 1
    # An outside transfer without the receiving organisation's name.
    with pytest.raises(ValidationError, match="全称"):
        services.create_transfer(
            actor=zhibu,
            member=county.members["a1"][2],
            kind=TransferKind.OUT,
            reason="x",
            **dues_now(),
        )


def test_validity_follows_the_rule_set_in_force_on_the_issue_date(county):
    add_ruleset(
        actor=county.users["gongwei"],
        domain_key="transfer",
        name="本县规定（有效期60天）",
        effective_from=today() - timedelta(days=10),
        values={"letter_validity_days": 60},
    )
    assert rules_on("transfer", today()).letter_validity_days == 60
    assert rules_on("transfer", today() - timedelta(days=11)).letter_validity_days == 30
    t = services.issue(actor=county.users["zhibu"], transfer=within_transfer(county), on=today())
    assert t.validity_days == 60 and t.rules_version == "本县规定（有效期60天）"
    m2 = county.members["a1"][2]
    with pytest.raises(ValidationError, match="不能超过30天"):
        services.issue(
            actor=county.users["zhibu"],
            transfer=within_transfer(county, m2),
            on=today() - timedelta(days=11),
            validity_days=45,
        )
    with pytest.raises(ValidationError, match="不能大于90"):
        add_ruleset(
            actor=county.users["gongwei"],
            domain_key="transfer",
            name="x",
            effective_from=today(),
            values={"letter_validity_days": 91},
        )


def test_scope_zhibu2_sees_only_transfers_it_receives(county):
    zhibu, zhibu2 = county.users["zhibu"], county.users["zhibu2"]
    to_a2 = within_transfer(county, county.members["a1"][1], to_org=county.branch_a2)
    to_b1 = within_transfer(county, county.members["a1"][2])
    assert set(transfers_for(zhibu2)) == set()  # drafts are the sender's own
    services.issue(actor=zhibu, transfer=to_b1, on=today())
    assert set(transfers_for(zhibu2)) == {to_b1}
    assert set(transfers_for(zhibu)) == {to_a2, to_b1}
    assert set(transfers_for(county.users["gongwei"])) == {to_a2, to_b1}
    assert set(transfers_for(county.users["dangwei"])) == {to_a2, to_b1}
    services.issue(actor=zhibu, transfer=to_a2, on=today())
    with pytest.raises(Http404):
        services.confirm_report(actor=zhibu2, transfer=to_a2, on=today())
    with pytest.raises(Http404):
        services.cancel(actor=zhibu2, transfer=to_b1, on=today(), reason="x")
    with pytest.raises(Http404):  # zhibu2 cannot draft a transfer for another branch's member
        services.create_transfer(
            actor=zhibu2,
            member=county.members["a1"][3],
            kind=TransferKind.WITHIN,
            to_org=county.branch_b1,
            reason="x",
            **dues_now(),
        )


def test_return_and_cancel_keep_the_member_home(county):
    zhibu, zhibu2 = county.users["zhibu"], county.users["zhibu2"]
    m1, m2 = county.members["a1"][1], county.members["a1"][2]
    t = services.issue(actor=zhibu, transfer=within_transfer(county, m1), on=today())
    with pytest.raises(ValidationError, match="原因"):
        services.return_transfer(actor=zhibu2, transfer=t, on=today(), reason="")
    t = services.return_transfer(
        actor=zhibu2, transfer=t, on=today(), reason="本支部不是该同志的新单位"
    )
    assert t.state == TransferState.RETURNED and t.closed_reason == "本支部不是该同志的新单位"
    c = services.cancel(
        actor=zhibu, transfer=within_transfer(county, m2), on=today(), reason="调动取消"
    )
    assert c.state == TransferState.CANCELLED
    assert where(m1, county) == ["branch_a1"] and where(m2, county) == ["branch_a1"]
    # Closed transfers no longer block a new one.
    within_transfer(county, m1)


def test_a_moved_member_cannot_report(county):
    """If the member left the branch another way meanwhile, 报到 refuses and nothing moves."""
    m = county.members["a1"][1]
    t = services.issue(actor=county.users["zhibu"], transfer=within_transfer(county, m), on=today())
    Member.objects.filter(pk=m.pk).update(status=MemberStatus.DECEASED)
    with pytest.raises(ValidationError, match="党籍状态有变化"):
        services.confirm_report(actor=county.users["zhibu2"], transfer=t, on=today())
    t.refresh_from_db()
    m.refresh_from_db()
    assert t.state == TransferState.ISSUED and m.org_id == county.branch_a1.pk


def test_dissolved_destination_is_refused(county):
    closed = Organization.objects.get(pk=county.branch_a2.pk)
    closed.status = "dissolved"
    closed.save()
    with pytest.raises(ValidationError, match="已撤销"):
        within_transfer(county, to_org=closed)
    assert closed.org_type == OrgType.BRANCH


def test_new_member_transfer_in_second_county_branch(county):
    """A member created later can be transferred, the number sequence continues."""
    m = member_in(county.branch_a2)
    t = services.create_transfer(
        actor=county.users["dangwei"],
        member=m,
        kind=TransferKind.WITHIN,
        to_org=county.branch_a1,
        reason="内部调整",
        **dues_now(),
    )
    services.issue(actor=county.users["dangwei"], transfer=t, on=today())
    services.confirm_report(actor=county.users["zhibu"], transfer=t, on=today())
    assert where(m, county) == ["branch_a1"]


def test_a_post_holder_leaves_the_post_before_transferring(county):
    from dangjian.orgs.models import Post

    m = county.members["a1"][1]
    post = Post.objects.create(
        org=county.branch_a1, member=m, kind="secretary", term_start=date(2024, 1, 1)
    )
    with pytest.raises(ValidationError, match="请先在组织页面登记离任"):
        within_transfer(county, m)
    assert not Transfer.objects.filter(member=m).exists()
    post.ended_on = today()
    post.save()
    assert within_transfer(county, m).state == TransferState.DRAFT
