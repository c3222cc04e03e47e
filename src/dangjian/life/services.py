"""Writes for organisational life. Every check failing raises a Chinese ValidationError; nothing is written."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.roles import LIFE
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import path_in_scope
from dangjian.life.models import Attendance, AttendanceStatus, Meeting, MeetingKind
from dangjian.life.rules import DOMAIN
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Post

FIELDS = ("kind", "held_on", "topic", "place", "chair", "minutes", "decisions")


def roster(org) -> list[Member]:
    """Members in good standing whose organisation is `org` (those who attend its meetings)."""
    return list(
        Member.objects.filter(org=org, status=MemberStatus.NORMAL).order_by("stroke_key", "id")
    )


def committee_member_ids(org) -> set[int]:
    """The organisation's 委员 now: members holding a post in force (书记、副书记、委员)."""
    return set(
        Post.objects.filter(org=org, ended_on__isnull=True).values_list("member_id", flat=True)
    )


def _clean(org, data: dict, attendance: dict) -> list[tuple[int, str, str]]:
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in MeetingKind.values:
        errors.setdefault("kind", []).append("请选择会议类别。")
    held_on = data.get("held_on")
    today = timezone.localdate()
    if not isinstance(held_on, date):
        errors.setdefault("held_on", []).append("请填写召开日期。")
    elif held_on > today:
        errors.setdefault("held_on", []).append("召开日期不能晚于今天：只能记录已经召开的会议。")
    if not (data.get("topic") or "").strip():
        errors.setdefault("topic", []).append("请填写会议主题。")

    ids = {m.pk for m in roster(org)}
    rows: list[tuple[int, str, str]] = []
    for raw_id, value in (attendance or {}).items():
        status, reason = (value if isinstance(value, tuple | list) else (value, ""))[:2]
        try:
            member_id = int(raw_id)
        except (TypeError, ValueError):
            member_id = None
        if member_id not in ids:
            errors.setdefault("attendance", []).append(
                "出席情况只能登记本组织党籍正常的党员，名单之外的人员不能登记。"
            )
            continue
        if status not in AttendanceStatus.values:
            errors.setdefault("attendance", []).append("出席情况只能是出席、缺席或请假。")
            continue
        reason = (reason or "").strip()
        if status == AttendanceStatus.ABSENT and not reason:
            errors.setdefault("attendance", []).append("缺席的党员请注明原因。")
            continue
        rows.append((member_id, status, reason if status != AttendanceStatus.PRESENT else ""))
    if not rows and "attendance" not in errors:
        errors.setdefault("attendance", []).append("请登记出席情况。")

    chair = data.get("chair")
    if chair is not None and chair.pk not in ids:
        errors.setdefault("chair", []).append("主持人应是本组织党籍正常的党员。")

    if kind == MeetingKind.COMMITTEE and isinstance(held_on, date) and not errors:
        rules = rules_on(DOMAIN, held_on)
        if rules.committee_quorum_over_half:
            committee = committee_member_ids(org)
            present = {mid for mid, status, _ in rows if status == AttendanceStatus.PRESENT}
            if not committee:
                errors.setdefault("kind", []).append(
                    "本组织没有在任的支部委员，无法记录支委会。请先在组织页面登记委员。"
                )
            elif len(present & committee) * 2 <= len(committee):
                errors.setdefault("attendance", []).append(
                    f"支委会到会委员{len(present & committee)}人，未超过委员总数{len(committee)}人的半数，"
                    f"会议不能召开。{rules.cite('committee_quorum_over_half')}"
                )
    if errors:
        raise ValidationError(errors)
    return rows


def _check_scope(actor, action: str, org) -> None:
    if not path_in_scope(actor, action, LIFE, org.path):
        raise Http404


@transaction.atomic
def record_meeting(
    *,
    actor,
    org,
    kind: str,
    held_on: date,
    topic: str,
    place: str = "",
    chair: Member | None = None,
    minutes: str = "",
    decisions: str = "",
    attendance: dict,
) -> Meeting:
    """Record one meeting that has been held, with who attended (from the org's roster)."""
    _check_scope(actor, "add", org)
    data = {
        "kind": kind,
        "held_on": held_on,
        "topic": topic,
        "place": place,
        "chair": chair,
        "minutes": minutes,
        "decisions": decisions,
    }
    rows = _clean(org, data, attendance)
    meeting = Meeting(org=org, org_path=org.path, recorded_by=actor, **_text(data))
    meeting.save()
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member_id=mid, status=s, reason=r) for mid, s, r in rows]
    )
    return meeting


@transaction.atomic
def correct_meeting(
    *, actor, meeting: Meeting, attendance: dict | None = None, **changes
) -> Meeting:
    """Correct a record: replace the given fields and, if given, the whole attendance list.

    The checks are those of `record_meeting`; the audit log keeps what the record said before.
    """
    meeting = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
    _check_scope(actor, "change", meeting.org)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError("只能更正会议的类别、日期、主题、地点、主持人、记录和决定事项。")
    data = {f: getattr(meeting, f) for f in FIELDS} | changes
    if attendance is None:
        attendance = {a.member_id: (a.status, a.reason) for a in meeting.attendance.all()}
    rows = _clean(meeting.org, data, attendance)
    for field, value in _text(data).items():
        setattr(meeting, field, value)
    meeting.save()
    current = {a.member_id: a for a in meeting.attendance.all()}
    wanted = {mid: (s, r) for mid, s, r in rows}
    for mid, a in current.items():
        if mid not in wanted:
            a.delete()
    for mid, (s, r) in wanted.items():
        a = current.get(mid)
        if a is None:
            Attendance.objects.create(meeting=meeting, member_id=mid, status=s, reason=r)
        elif (a.status, a.reason) != (s, r):
            a.status, a.reason = s, r
            a.save(update_fields=["status", "reason"])
    return meeting


def _text(data: dict) -> dict:
    out = dict(data)
    for f in ("topic", "place", "minutes", "decisions"):
        out[f] = (out.get(f) or "").strip()
    return out
