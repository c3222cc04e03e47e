"""Writes for organisational life. Every check failing raises a Chinese ValidationError; nothing is written."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.roles import LIFE
from dangjian.core.rulesets import rules_on
from dangjian.core.scope import path_in_scope
from dangjian.life.models import (
    NEEDS_FOLLOW_UP,
    Appraisal,
    AppraisalEntry,
    AppraisalResult,
    Attendance,
    AttendanceStatus,
    FollowUpDecision,
    GuestAttendance,
    Meeting,
    MeetingCorrection,
    MeetingKind,
)
from dangjian.life.rules import DOMAIN, rules_picker
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Post

FIELDS = ("kind", "held_on", "topic", "place", "chair", "minutes", "decisions")


def roster(org) -> list[Member]:
    """Members in good standing whose organisation is `org` (those who attend its meetings)."""
    return list(
        Member.objects.filter(org=org, status=MemberStatus.NORMAL).order_by("stroke_key", "id")
    )


def guest_records(org, *, on: date | None = None) -> list:
    """流动党员 whose record places them at `org` as guests (RULES.md 3.6): 流入 records of the branch,
    and members of other branches of our tree away (外出) and hosted here.

    on=None: the records in force now (offered on the attendance form); a day: those covering it.
    """
    from dangjian.transfers.models import FloatingDirection, FloatingRecord, FloatingStatus

    qs = FloatingRecord.objects.filter(
        Q(direction=FloatingDirection.IN, org=org)
        | Q(direction=FloatingDirection.OUT, host_org=org)
    ).filter(Q(member__isnull=True) | Q(member__status=MemberStatus.NORMAL))
    if on is None:
        qs = qs.filter(status=FloatingStatus.ACTIVE, started_on__lte=timezone.localdate())
    else:
        qs = qs.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
    return list(qs.select_related("org", "member").order_by("started_on", "id"))


def away_records(org, *, on: date | None = None) -> dict[int, object]:
    """{member id: 外出 record} for members of `org` away on the day (now if None)."""
    from dangjian.transfers.models import FloatingDirection, FloatingRecord, FloatingStatus

    qs = FloatingRecord.objects.filter(
        direction=FloatingDirection.OUT, org=org, member__isnull=False
    )
    if on is None:
        qs = qs.filter(status=FloatingStatus.ACTIVE)
    else:
        qs = qs.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
    return {r.member_id: r for r in qs.select_related("host_org").order_by("started_on", "id")}


def committee_member_ids(org) -> set[int]:
    """The organisation's 委员 now: members holding a post in force (书记、副书记、委员)."""
    return set(
        Post.objects.filter(org=org, ended_on__isnull=True).values_list("member_id", flat=True)
    )


def _clean(
    org,
    data: dict,
    attendance: dict,
    *,
    ids: set[int] | None = None,
    committee=None,
    rules_for=None,
) -> list[tuple[int, str, str]]:
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in MeetingKind.values:
        errors.setdefault("kind", []).append(_("请选择会议类别。"))
    held_on = data.get("held_on")
    today = timezone.localdate()
    if not isinstance(held_on, date):
        errors.setdefault("held_on", []).append(_("请填写召开日期。"))
    elif held_on > today:
        errors.setdefault("held_on", []).append(_("召开日期不能晚于今天：只能记录已经召开的会议。"))
    if not (data.get("topic") or "").strip():
        errors.setdefault("topic", []).append(_("请填写会议主题。"))

    if ids is None:
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
                _("出席情况只能登记本组织党籍正常的党员，名单之外的人员不能登记。")
            )
            continue
        if status not in AttendanceStatus.values:
            errors.setdefault("attendance", []).append(_("出席情况只能是出席、缺席或请假。"))
            continue
        reason = (reason or "").strip()
        if status == AttendanceStatus.ABSENT and not reason:
            errors.setdefault("attendance", []).append(_("缺席的党员请注明原因。"))
            continue
        rows.append((member_id, status, reason if status != AttendanceStatus.PRESENT else ""))
    if not rows and "attendance" not in errors:
        errors.setdefault("attendance", []).append(_("请登记出席情况。"))

    chair = data.get("chair")
    if chair is not None and chair.pk not in ids:
        errors.setdefault("chair", []).append(_("主持人应是本组织党籍正常的党员。"))

    if kind == MeetingKind.COMMITTEE and isinstance(held_on, date) and not errors:
        rules = rules_for(held_on) if rules_for else rules_on(DOMAIN, held_on)
        if rules.committee_quorum_over_half:
            if committee is None:
                committee = committee_member_ids(org)
            present = {mid for mid, status, _r in rows if status == AttendanceStatus.PRESENT}
            if not committee:
                errors.setdefault("kind", []).append(
                    _("本组织没有在任的支部委员，无法记录支委会。请先在组织页面登记委员。")
                )
            elif len(present & committee) * 2 <= len(committee):
                errors.setdefault("attendance", []).append(
                    _(
                        "支委会到会委员%(present)s人，未超过委员总数%(total)s人的半数，会议不能召开。"
                    )
                    % {"present": len(present & committee), "total": len(committee)}
                    + rules.cite("committee_quorum_over_half")
                )
    if errors:
        raise ValidationError(errors)
    return rows


def _clean_guests(org, held_on, guests, ids: set[int]) -> list:
    """The 流动党员 records of the guests (列席) named by id; Chinese errors for any not allowed."""
    if not guests or not isinstance(held_on, date):
        return []
    allowed = {r.pk: r for r in guest_records(org, on=held_on)}
    errors: list[str] = []
    out = []
    for raw in dict.fromkeys(guests):
        try:
            record = allowed.get(int(raw))
        except (TypeError, ValueError):
            record = None
        if record is None:
            errors.append(
                _(
                    "列席的流入党员只能是召开日期时在本支部参加组织生活的流动党员，其流动记录已结束或不在本支部的不能登记。"
                )
            )
        elif record.member_id is not None and record.member_id in ids:
            errors.append(
                _("%(name)s是本组织党员，请在出席情况中登记。") % {"name": record.person_name}
            )
        else:
            out.append(record)
    if errors:
        raise ValidationError({"guests": errors})
    return out


def _clean_meeting(org, data: dict, attendance: dict, guests, *, ids: set[int] | None = None):
    """`_clean` for the roster plus the guests; all errors together, nothing written on any."""
    if ids is None:
        ids = {m.pk for m in roster(org)}
    errors: dict[str, list[str]] = {}
    rows: list[tuple[int, str, str]] = []
    records: list = []
    try:
        rows = _clean(org, data, attendance, ids=ids)
    except ValidationError as exc:
        errors = exc.message_dict
    try:
        records = _clean_guests(org, data.get("held_on"), guests, ids)
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            errors.setdefault(key, []).extend(msgs)
    if errors:
        raise ValidationError(errors)
    return rows, records


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
    guests: list[int] | None = None,
) -> Meeting:
    """Record one meeting that has been held, with who attended (from the org's roster).

    `guests`: ids of the 流动党员 records of guests who took part (列席, RULES.md 3.6): kept apart
    from the attendance, so not in 应到/实到 or the quorum, but 参加组织生活 for each of them.
    """
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
    rows, records = _clean_meeting(org, data, attendance, guests)
    meeting = Meeting(org=org, org_path=org.path, recorded_by=actor, **_text(data))
    meeting.save()
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member_id=mid, status=s, reason=r) for mid, s, r in rows]
    )
    GuestAttendance.objects.bulk_create([_guest(meeting, r) for r in records])
    return meeting


def _guest(meeting: Meeting, record) -> GuestAttendance:
    return GuestAttendance(
        meeting=meeting, floating=record, member_id=record.member_id, person_name=record.person_name
    )


@transaction.atomic
def record_meetings(*, actor, org, meetings: list[dict]) -> list[Meeting]:
    """Record many held meetings of one organisation at once (imports, the demo).

    Each item has the arguments of `record_meeting` (guests too); every item gets the same checks, against the
    roster and committee read once. One failing item refuses the whole batch (errors name the item).
    """
    _check_scope(actor, "add", org)
    ids = {m.pk for m in roster(org)}
    committee = committee_member_ids(org)
    pick = rules_picker()
    built: list[tuple[Meeting, list[tuple[int, str, str]]]] = []
    guest_lists: list[list] = []
    for n, item in enumerate(meetings, start=1):
        item = dict(item)
        attendance = item.pop("attendance", None)
        guests = item.pop("guests", None)
        data = {f: item.get(f, "" if f not in ("chair", "held_on") else None) for f in FIELDS}
        try:
            rows = _clean(org, data, attendance, ids=ids, committee=committee, rules_for=pick)
            records = _clean_guests(org, data["held_on"], guests, ids)
        except ValidationError as exc:
            raise ValidationError(
                _("第%(n)s条会议记录：") % {"n": n} + "；".join(exc.messages)
            ) from None
        built.append((Meeting(org=org, org_path=org.path, recorded_by=actor, **_text(data)), rows))
        guest_lists.append(records)
    made = Meeting.objects.bulk_create([m for m, _rows in built])
    GuestAttendance.objects.bulk_create(
        [_guest(m, r) for m, records in zip(made, guest_lists, strict=True) for r in records]
    )
    # Attendance rows are many (a year of a branch's meetings × its roster) and already checked:
    # one executemany instead of building a model instance per row (bulk_create's cost here).
    table = Attendance._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (meeting_id, member_id, status, reason) VALUES (%s, %s, %s, %s)",
            [
                (m.pk, mid, st, r)
                for m, (_m, rows) in zip(made, built, strict=True)
                for mid, st, r in rows
            ],
        )
    return made


@transaction.atomic
def correct_meeting(
    *,
    actor,
    meeting: Meeting,
    reason: str,
    attendance: dict | None = None,
    guests: list[int] | None = None,
    **changes,
) -> Meeting:
    """Correct a record: replace the given fields and, if given, the whole attendance or guest list.

    The checks are those of `record_meeting`; members on the record who have since left the roster
    may stay on it. A reason is required; the correction (who, why, each change before → after) is
    kept as a `MeetingCorrection` shown on the meeting, and the audit log keeps the field values too.
    """
    meeting = Meeting.objects.select_for_update().select_related("org").get(pk=meeting.pk)
    _check_scope(actor, "change", meeting.org)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValidationError(_("只能更正会议的类别、日期、主题、地点、主持人、记录和决定事项。"))
    current = {a.member_id: a for a in meeting.attendance.select_related("member")}
    current_guests = {g.floating_id: g for g in meeting.guests.all()}
    data = {f: getattr(meeting, f) for f in FIELDS} | changes
    if attendance is None:
        attendance = {mid: (a.status, a.reason) for mid, a in current.items()}
    if guests is None:
        guests = list(current_guests)
    ids = {m.pk for m in roster(meeting.org)} | set(current)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请写明更正原因。")]
    rows, records = [], []
    try:
        rows, records = _clean_meeting(meeting.org, data, attendance, guests, ids=ids)
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            errors.setdefault(key, []).extend(msgs)
    if errors:
        raise ValidationError(errors)

    clean = _text(data)
    diff: list[dict] = []
    for field in FIELDS:
        before, after = _shown(field, getattr(meeting, field)), _shown(field, clean[field])
        if field == "chair":
            changed = getattr(meeting.chair, "pk", None) != getattr(clean[field], "pk", None)
        else:
            changed = before != after
        if changed:
            diff.append({"field": field, "before": before, "after": after})
    wanted = {mid: (st, r) for mid, st, r in rows}
    names = dict(Member.objects.filter(pk__in=set(wanted) | set(current)).values_list("pk", "name"))
    for mid in sorted(set(wanted) | set(current), key=lambda m: names.get(m, "")):
        a = current.get(mid)
        before = [a.status, a.reason] if a else ["", ""]
        after = list(wanted.get(mid, ("", "")))
        if before != after:
            diff.append(
                {
                    "field": "attendance",
                    "name": names.get(mid, ""),
                    "before": before,
                    "after": after,
                }
            )
    wanted_guests = {r.pk: r for r in records}
    for fid in set(wanted_guests) ^ set(current_guests):
        name = (wanted_guests.get(fid) or current_guests.get(fid)).person_name
        diff.append(
            {
                "field": "guest",
                "name": name,
                "before": fid in current_guests,
                "after": fid in wanted_guests,
            }
        )
    if not diff:
        raise ValidationError(_("没有需要更正的内容：填写的与原记录相同。"))

    for field, value in clean.items():
        setattr(meeting, field, value)
    meeting.save()
    for mid, a in current.items():
        if mid not in wanted:
            a.delete()
    for mid, (st, r) in wanted.items():
        a = current.get(mid)
        if a is None:
            Attendance.objects.create(meeting=meeting, member_id=mid, status=st, reason=r)
        elif (a.status, a.reason) != (st, r):
            a.status, a.reason = st, r
            a.save(update_fields=["status", "reason"])
    for fid, g in current_guests.items():
        if fid not in wanted_guests:
            g.delete()
    for fid, record in wanted_guests.items():
        if fid not in current_guests:
            _guest(meeting, record).save()
    MeetingCorrection.objects.create(
        meeting=meeting, reason=reason[:500], changes=diff, corrected_by=actor
    )
    return meeting


def _shown(field: str, value) -> str:
    """A field's value as kept in the correction history (codes for choices, names for people)."""
    if value is None:
        return ""
    if field == "chair":
        return value.name if hasattr(value, "name") else str(value)
    if field == "held_on":
        return value.isoformat() if isinstance(value, date) else str(value)
    return str(value).strip()


def _text(data: dict) -> dict:
    out = dict(data)
    for f in ("topic", "place", "minutes", "decisions"):
        out[f] = (out.get(f) or "").strip()
    return out


# --- 民主评议党员 (RULES.md 4.15 yearly; 1.17 限期改正 → 劝退 → 除名) ---------------------------------


def appraisal_roster(org, held_on: date) -> list[Member]:
    """Who may be rated: the organisation's members in good standing who had joined by the day."""
    return [m for m in roster(org) if m.joined_on <= held_on]


def _clean_follow_up(
    result: str, decision: str, deadline, help_measure: str, held_on: date | None
) -> tuple[dict, list[str]]:
    """The follow-up fields a result needs; (clean values, Chinese errors)."""
    errors: list[str] = []
    decision = (decision or "").strip()
    help_measure = (help_measure or "").strip()
    if result not in AppraisalResult.values:
        return {}, [_("评议结果只能是优秀、合格、基本合格或不合格。")]
    if result not in NEEDS_FOLLOW_UP:
        return {"decision": "", "deadline": None, "help_measure": ""}, []
    if result == AppraisalResult.BASIC:
        if decision == FollowUpDecision.PERSUADE:
            errors.append(_("评为基本合格的党员应限期改正，不能直接劝其退党或除名。"))
        decision = FollowUpDecision.RECTIFY
    elif decision not in FollowUpDecision.values:
        errors.append(_("评为不合格的党员须写明处置意见：限期改正，或劝其退党、予以除名。"))
    if decision == FollowUpDecision.RECTIFY:
        if not isinstance(deadline, date):
            errors.append(_("限期改正须填写改正期限。"))
        elif held_on is not None and deadline <= held_on:
            errors.append(_("改正期限应在评议日期之后。"))
        if not help_measure:
            errors.append(_("限期改正须写明帮扶措施（谁帮扶、怎样帮扶）。"))
    elif not isinstance(deadline, date):
        deadline = None
    return {"decision": decision, "deadline": deadline, "help_measure": help_measure}, errors


def _clean_entries(org, held_on: date, results: dict, year: int, exclude_appraisal=None):
    errors: list[str] = []
    allowed = {m.pk: m for m in appraisal_roster(org, held_on)}
    rows: dict[int, dict] = {}
    for raw_id, value in (results or {}).items():
        try:
            member_id = int(raw_id)
        except (TypeError, ValueError):
            member_id = None
        member = allowed.get(member_id)
        if member is None:
            errors.append(
                _(
                    "只能评议评议时在本组织、党籍正常的党员；名单之外的人员或评议时尚未入党的人员不能评议。"
                )
            )
            continue
        value = value if isinstance(value, dict) else {"result": value}
        clean, errs = _clean_follow_up(
            value.get("result") or "",
            value.get("decision") or "",
            value.get("deadline"),
            value.get("help_measure") or "",
            held_on,
        )
        errors.extend(_("%(name)s：%(error)s") % {"name": member.name, "error": e} for e in errs)
        rows[member_id] = {"result": value.get("result"), **clean}
    if rows:
        taken = AppraisalEntry.objects.filter(member_id__in=rows, year=year).select_related(
            "member", "appraisal__org"
        )
        if exclude_appraisal is not None:
            taken = taken.exclude(appraisal=exclude_appraisal)
        for e in taken:
            errors.append(
                _("%(name)s：%(year)s年度已在%(org)s评议过，每名党员每年只评议一次。")
                % {"name": e.member.name, "year": year, "org": e.appraisal.org.name}
            )
    return rows, errors


@transaction.atomic
def record_appraisal(
    *,
    actor,
    org,
    year: int,
    held_on: date,
    meeting: Meeting | None = None,
    note: str = "",
    results: dict,
) -> Appraisal:
    """Record an organisation's 民主评议党员 for a year: one result per member on the roster.

    `results` maps member id → {"result", "decision", "deadline", "help_measure"} (or just the
    result). 基本合格 and 不合格 need their follow-up; nothing is written if any check fails.
    """
    _check_scope(actor, "add", org)
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if not isinstance(year, int) or year < 1921 or year > today.year:
        errors.setdefault("year", []).append(_("评议年度不正确。"))
    if not isinstance(held_on, date):
        errors.setdefault("held_on", []).append(_("请填写评议日期。"))
    elif held_on > today:
        errors.setdefault("held_on", []).append(_("评议日期不能晚于今天：只能记录已经开展的评议。"))
    elif isinstance(year, int) and held_on < date(year, 1, 1):
        errors.setdefault("held_on", []).append(_("评议日期不能早于评议年度。"))
    if meeting is not None and (
        meeting.org_id != org.pk or meeting.kind != MeetingKind.LIFE_MEETING
    ):
        errors.setdefault("meeting", []).append(_("只能关联本组织的组织生活会。"))
    if not errors and Appraisal.objects.filter(org=org, year=year).exists():
        errors.setdefault("year", []).append(
            _("%(org)s%(year)s年度的民主评议已经记录；如需补录或更正，请在该次评议中修改。")
            % {"org": org.name, "year": year}
        )
    if not errors:
        rows, errs = _clean_entries(org, held_on, results, year)
        if errs:
            errors["results"] = errs
        elif not rows:
            errors["results"] = [_("请至少录入一名党员的评议结果。")]
    if errors:
        raise ValidationError(errors)
    appraisal = Appraisal.objects.create(
        org=org,
        org_path=org.path,
        year=year,
        held_on=held_on,
        meeting=meeting,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    AppraisalEntry.objects.bulk_create(
        [
            AppraisalEntry(appraisal=appraisal, member_id=mid, year=year, **r)
            for mid, r in rows.items()
        ]
    )
    return appraisal


@transaction.atomic
def set_appraisal_result(
    *,
    actor,
    appraisal: Appraisal,
    member: Member,
    result: str,
    decision: str = "",
    deadline: date | None = None,
    help_measure: str = "",
) -> AppraisalEntry:
    """Add a member's result to a round, or correct it (replaces; the audit log keeps the before)."""
    appraisal = Appraisal.objects.select_for_update().select_related("org").get(pk=appraisal.pk)
    _check_scope(actor, "change", appraisal.org)
    rows, errs = _clean_entries(
        appraisal.org,
        appraisal.held_on,
        {
            member.pk: {
                "result": result,
                "decision": decision,
                "deadline": deadline,
                "help_measure": help_measure,
            }
        },
        appraisal.year,
        exclude_appraisal=appraisal,
    )
    if errs:
        raise ValidationError({"result": errs})
    values = rows[member.pk]
    entry = AppraisalEntry.objects.filter(appraisal=appraisal, member=member).first()
    if entry is None:
        return AppraisalEntry.objects.create(
            appraisal=appraisal, member=member, year=appraisal.year, **values
        )
    for field, value in values.items():
        setattr(entry, field, value)
    if entry.result not in NEEDS_FOLLOW_UP:
        entry.closed_on, entry.outcome = None, ""
    entry.save()
    return entry


@transaction.atomic
def close_follow_up(
    *, actor, entry: AppraisalEntry, closed_on: date, outcome: str
) -> AppraisalEntry:
    """Record how a 基本合格/不合格 follow-up ended (改正了, 转为劝退, 已办理除名 …)."""
    entry = (
        AppraisalEntry.objects.select_for_update().select_related("appraisal__org").get(pk=entry.pk)
    )
    _check_scope(actor, "change", entry.appraisal.org)
    errors: dict[str, list[str]] = {}
    if entry.result not in NEEDS_FOLLOW_UP:
        errors.setdefault("outcome", []).append(_("评为优秀、合格的党员没有需要办结的处置。"))
    if entry.closed_on is not None:
        errors.setdefault("outcome", []).append(_("这项处置已经办结。"))
    if not isinstance(closed_on, date):
        errors.setdefault("closed_on", []).append(_("请填写办结日期。"))
    elif closed_on > timezone.localdate():
        errors.setdefault("closed_on", []).append(_("办结日期不能晚于今天。"))
    elif closed_on < entry.appraisal.held_on:
        errors.setdefault("closed_on", []).append(_("办结日期不能早于评议日期。"))
    if not (outcome or "").strip():
        errors.setdefault("outcome", []).append(_("请写明处置结果，例如已改正、转为劝退。"))
    if errors:
        raise ValidationError(errors)
    entry.closed_on, entry.outcome = closed_on, outcome.strip()
    entry.save(update_fields=["closed_on", "outcome"])
    return entry
