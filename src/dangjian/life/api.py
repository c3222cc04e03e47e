"""组织生活 JSON: meetings with attendance counts, and frequency compliance (read through restrict())."""

from datetime import date

from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from dangjian.accounts.roles import LIFE
from dangjian.api import paginated
from dangjian.core.scope import path_in_scope, restrict, scope_paths
from dangjian.life import selectors
from dangjian.life.models import AttendanceStatus, Meeting
from dangjian.life.selectors import guest_count
from dangjian.orgs.models import Organization

router = Router(tags=["组织生活"])


class LifeQuery(Schema):
    org: int | None = Field(
        None, description="党组织（含下级）；不填时为本人授权范围内的第一个党组织"
    )
    year: int | None = Field(None, ge=2000, le=2999, description="年度，默认今年")


class LifeMeetingOut(Schema):
    id: int
    org_id: int
    org_name: str
    kind: str = Field(..., description="类别代码")
    kind_label: str
    held_on: date
    topic: str
    place: str
    chair: str | None
    attendance_total: int
    present: int
    absent: int
    excused: int
    guests: int = Field(0, description="流入党员列席人数（不计入应到、实到）")

    @staticmethod
    def resolve_guests(obj: Meeting) -> int:
        return getattr(obj, "guest_total", 0)

    @staticmethod
    def resolve_org_name(obj: Meeting) -> str:
        return obj.org.name

    @staticmethod
    def resolve_kind_label(obj: Meeting) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_chair(obj: Meeting) -> str | None:
        return obj.chair.name if obj.chair_id else None


def _root(user, org_id: int | None) -> Organization:
    if org_id is not None:
        org = Organization.objects.filter(pk=org_id).first()
        if org is None or not path_in_scope(user, "view", LIFE, org.path):
            raise Http404
        return org
    roots = scope_paths(user, "view", LIFE)
    if not roots:
        raise Http404
    return Organization.objects.get(path=roots[0])


@router.get("/meetings", response=list[LifeMeetingOut], summary="会议记录（含出席人数）")
@paginated
def list_meetings(request: HttpRequest, params: Query[LifeQuery]):
    user = request.auth
    root = _root(user, params.org)
    year = params.year or timezone.localdate().year
    return (
        restrict(
            user,
            "view",
            Meeting.objects.filter(org_path__startswith=root.path, held_on__year=year),
        )
        .select_related("org", "chair")
        .annotate(
            attendance_total=Count("attendance"),
            present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
            absent=Count("attendance", filter=Q(attendance__status=AttendanceStatus.ABSENT)),
            excused=Count("attendance", filter=Q(attendance__status=AttendanceStatus.EXCUSED)),
            guest_total=guest_count(),
        )
        .order_by("-held_on", "-id")
    )


class LifePeriodOut(Schema):
    label: str
    start: date
    end: date


class LifeKindOut(Schema):
    kind: str
    label: str
    period: str = Field(..., description="month / quarter / year")
    per_period: int = Field(..., description="每期至少次数（规则）")
    source: str
    required: int
    held: int
    ok: bool
    missing: list[LifePeriodOut]


class LifeBranchOut(Schema):
    org_id: int
    org_name: str
    ok: bool
    kinds: list[LifeKindOut]


class LifeComplianceOut(Schema):
    org_id: int
    year: int
    as_of: date
    branches: list[LifeBranchOut]


@router.get("/compliance", response=LifeComplianceOut, summary="三会一课落实情况（按党支部）")
def compliance(request: HttpRequest, params: Query[LifeQuery]):
    user = request.auth
    root = _root(user, params.org)
    today = timezone.localdate()
    year = min(params.year or today.year, today.year)
    rows = selectors.compliance(user, root=root, year=year, today=today)
    return {
        "org_id": root.pk,
        "year": year,
        "as_of": today,
        "branches": [
            {
                "org_id": r.org.pk,
                "org_name": r.org.name,
                "ok": r.ok,
                "kinds": [
                    {
                        "kind": k.kind,
                        "label": str(k.label),
                        "period": k.period,
                        "per_period": k.per_period,
                        "source": k.source,
                        "required": k.required,
                        "held": k.held,
                        "ok": k.ok,
                        "missing": [
                            {"label": p.label, "start": p.start, "end": p.end} for p in k.missing
                        ],
                    }
                    for k in r.kinds
                ],
            }
            for r in rows
        ],
    }
