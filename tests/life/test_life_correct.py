"""更正会议记录: the page for users with "change", a required reason, the correction history on the
meeting page, the audit before/after; out of scope 404; bad input changes nothing."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.life import services
from dangjian.life.models import Attendance, Meeting, MeetingCorrection
from dangjian.orgs.models import PostKind
from dangjian.orgs.services import appoint
from dangjian.transfers import services as transfers

pytestmark = pytest.mark.django_db


def _meeting(county, kind="branch_assembly"):
    return services.record_meeting(
        actor=county.users["zhibu"],
        org=county.branch_a1,
        kind=kind,
        held_on=date(2025, 3, 31),
        topic="学习党章",
        place="三楼会议室",
        attendance={m.pk: ("present", "") for m in county.members["a1"]},
    )


def _post(county, meeting, **over):
    data = {
        "kind": meeting.kind,
        "held_on": meeting.held_on.isoformat(),
        "topic": meeting.topic,
        "place": meeting.place,
        "chair": "",
        "minutes": meeting.minutes,
        "decisions": meeting.decisions,
        "reason": "日期记错了",
        **{f"status_{m.pk}": "present" for m in county.members["a1"]},
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_page_is_for_users_who_may_change_in_scope(county, login):
    meeting = _meeting(county)
    url = reverse("life:correct", args=[meeting.pk])
    for user, code in (("zhibu", 200), ("dangwei", 200), ("zhibu2", 404), ("dangyuan", 404)):
        assert login(county.users[user]).get(url).status_code == code, user
    html = login(county.users["zhibu"]).get(url).content.decode()
    assert 'value="2025-03-31"' in html and "学习党章" in html and "更正原因" in html
    a = county.members["a1"][0]
    assert f'name="status_{a.pk}" value="present" checked' in html
    # the meeting page offers the correction only to those who may change it
    detail = reverse("life:detail", args=[meeting.pk])
    assert "更正本次记录" in login(county.users["zhibu"]).get(detail).content.decode()
    assert 'id="correct-link"' not in login(county.users["shenji"]).get(detail).content.decode()


def test_out_of_scope_post_is_404_and_changes_nothing(county, login):
    meeting = _meeting(county)
    r = login(county.users["zhibu2"]).post(
        reverse("life:correct", args=[meeting.pk]), _post(county, meeting, topic="改")
    )
    assert r.status_code == 404
    meeting.refresh_from_db()
    assert meeting.topic == "学习党章" and not MeetingCorrection.objects.exists()


def test_correction_saves_history_and_audit(county, login):
    meeting = _meeting(county)
    b = county.members["a1"][1]
    c = login(county.users["zhibu"])
    r = c.post(
        reverse("life:correct", args=[meeting.pk]),
        _post(
            county,
            meeting,
            held_on="2025-03-30",
            topic="学习新党章",
            **{f"status_{b.pk}": "excused", f"reason_{b.pk}": "病假"},
            reason="日期和主题记错了，王某当天请病假",
        ),
    )
    assert r.status_code == 302 and r.url == reverse("life:detail", args=[meeting.pk])
    meeting.refresh_from_db()
    assert (meeting.held_on, meeting.topic) == (date(2025, 3, 30), "学习新党章")
    assert meeting.attendance.get(member=b).status == "excused"
    correction = MeetingCorrection.objects.get()
    assert correction.reason == "日期和主题记错了，王某当天请病假"
    assert {ch["field"] for ch in correction.changes} == {"held_on", "topic", "attendance"}
    html = c.get(r.url).content.decode()
    assert "更正记录" in html and "日期和主题记错了" in html
    assert "2025年3月31日" in html and "2025年3月30日" in html
    assert f"出席情况：{b.name}" in html and "请假（病假）" in html
    # the audit log keeps the before/after of the record itself
    entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Meeting), object_pk=str(meeting.pk)
    ).latest("timestamp")
    assert entry.changes_dict["topic"] == ["学习党章", "学习新党章"]


def test_missing_reason_is_refused_in_chinese_and_changes_nothing(county, login):
    meeting = _meeting(county)
    r = login(county.users["zhibu"]).post(
        reverse("life:correct", args=[meeting.pk]), _post(county, meeting, topic="改", reason="")
    )
    assert r.status_code == 200
    assert "请写明更正原因。" in r.content.decode()
    meeting.refresh_from_db()
    assert meeting.topic == "学习党章" and not MeetingCorrection.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.correct_meeting(
            actor=county.users["zhibu"], meeting=meeting, reason="  ", topic="改"
        )
    assert "请写明更正原因" in " ".join(exc.value.messages)


def test_nothing_changed_is_refused(county, login):
    meeting = _meeting(county)
    r = login(county.users["zhibu"]).post(
        reverse("life:correct", args=[meeting.pk]), _post(county, meeting)
    )
    assert r.status_code == 200 and "没有需要更正的内容" in r.content.decode()
    assert not MeetingCorrection.objects.exists()


def test_correction_breaking_the_quorum_is_refused(county, login):
    committee = county.members["a1"][:3]
    for i, m in enumerate(committee):
        appoint(
            actor=county.users["gongwei"],
            org=county.branch_a1,
            member=m,
            kind=PostKind.SECRETARY if i == 0 else PostKind.MEMBER,
            term_start=date(2024, 1, 1),
        )
    meeting = _meeting(county, kind="committee")
    over = {f"status_{m.pk}": "excused" for m in committee[1:]}
    over |= {f"reason_{m.pk}": "出差" for m in committee[1:]}
    r = login(county.users["zhibu"]).post(
        reverse("life:correct", args=[meeting.pk]), _post(county, meeting, **over)
    )
    assert r.status_code == 200 and "半数" in r.content.decode()
    assert set(Attendance.objects.values_list("status", flat=True)) == {"present"}
    # one excused still leaves 2 of 3: accepted
    over = {f"status_{committee[2].pk}": "excused", f"reason_{committee[2].pk}": "出差"}
    r = login(county.users["zhibu"]).post(
        reverse("life:correct", args=[meeting.pk]), _post(county, meeting, **over)
    )
    assert r.status_code == 302


def test_unregister_a_member_and_add_a_guest(county, login):
    meeting = _meeting(county)
    wrong = county.members["a1"][3]
    guest = transfers.create_floating(
        actor=county.users["zhibu"],
        direction="in",
        org=county.branch_a1,
        person_name="外来乙",
        home_name="外省某党支部",
        place="示范县",
        started_on=date(2025, 1, 1),
        reason="务工",
    )
    c = login(county.users["zhibu"])
    html = c.get(reverse("life:correct", args=[meeting.pk])).content.decode()
    assert "外来乙" in html and 'value="" ' in html.replace('value=""', 'value="" ')
    r = c.post(
        reverse("life:correct", args=[meeting.pk]),
        _post(
            county,
            meeting,
            **{f"status_{wrong.pk}": ""},
            guest=[str(guest.pk)],
            reason="误登记了一名党员，漏登了列席人员",
        ),
    )
    assert r.status_code == 302
    assert not meeting.attendance.filter(member=wrong).exists()
    assert list(meeting.guests.values_list("person_name", flat=True)) == ["外来乙"]
    html = c.get(r.url).content.decode()
    assert "流入党员列席：外来乙" in html and "未登记" in html


def test_member_who_has_left_the_branch_stays_on_the_record(county):
    meeting = _meeting(county)
    gone = county.members["a1"][0]
    gone.org = county.branch_a2
    gone.org_path = county.branch_a2.path
    gone.save(update_fields=["org", "org_path"])
    services.correct_meeting(
        actor=county.users["zhibu"], meeting=meeting, reason="地点记错", place="二楼会议室"
    )
    assert meeting.attendance.filter(member=gone).exists()
    # but someone never on the record and not on the roster cannot be added
    with pytest.raises(ValidationError):
        services.correct_meeting(
            actor=county.users["zhibu"],
            meeting=meeting,
            reason="补登",
            attendance={county.members["b1"][0].pk: ("present", "")},
        )
