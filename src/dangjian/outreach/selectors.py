"""Reads for 联建共创, always through restrict(): lists, the figures and their drill-downs.

Figures are counted from the records, never typed. For a subtree and a period:
- pairings in force at any time in the period, by partner type: the number of pairings, of distinct
  agency organisations and of distinct partners (an organisation paired with two villages counts
  once among organisations; a village paired by two organisations counts once among villages);
- activities held in the period, by category (四联四共);
- members who went down (下基层): DISTINCT members among the activities' participants;
- problems solved, services delivered, funds raised (元) and 实事 done: sums over those activities.
Every figure has a drill-down that lists exactly what it counts (`activities`, `pairings`,
`participants` with the same arguments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dangjian.accounts.roles import OUTREACH
from dangjian.core.scope import restrict, scope_paths
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.outreach.models import Activity, Category, Pairing, PartnerKind, Revision

MEASURES = {
    "problems": "problems_solved",
    "services": "services_delivered",
    "funds": "funds_raised",
    "deeds": "deeds_done",
}


def orgs_in_scope(user, action: str = "view") -> list[Organization]:
    q = Q(pk__in=[])
    for root in scope_paths(user, action, OUTREACH):
        q |= Q(path__startswith=root)
    return list(Organization.objects.filter(q).order_by("path").only("pk", "name", "depth", "path"))


def in_force(start: date, end: date) -> Q:
    return Q(started_on__lte=end) & (Q(ended_on__isnull=True) | Q(ended_on__gte=start))


def pairings(
    user, root: Organization, start: date, end: date, *, kind: str | None = None, action="view"
):
    qs = restrict(user, action, Pairing.objects.filter(in_force(start, end)), within=root.path)
    if kind:
        qs = qs.filter(partner_kind=kind)
    return qs.select_related("org", "partner", "partner_org", "leader", "coordinator")


def activities(
    user,
    root: Organization,
    start: date,
    end: date,
    *,
    category: str | None = None,
    measure: str | None = None,
    member: int | None = None,
    pairing: int | None = None,
    action: str = "view",
):
    qs = restrict(
        user,
        action,
        Activity.objects.filter(held_on__gte=start, held_on__lte=end),
        within=root.path,
    )
    if category:
        qs = qs.filter(category=category)
    if measure in MEASURES:
        qs = qs.filter(**{f"{MEASURES[measure]}__gt": 0})
    if member:
        qs = qs.filter(participants=member)
    if pairing:
        qs = qs.filter(pairing_id=pairing)
    return qs.select_related("org", "pairing__partner", "pairing__partner_org").order_by(
        "-held_on", "-id"
    )


def activity_totals(qs) -> dict:
    sums = qs.order_by().aggregate(
        n=Count("id"),
        problems=Coalesce(Sum("problems_solved"), 0),
        services=Coalesce(Sum("services_delivered"), 0),
        funds=Coalesce(Sum("funds_raised"), Decimal("0")),
        deeds=Coalesce(Sum("deeds_done"), 0),
    )
    sums["funds"] = Decimal(sums["funds"]).quantize(Decimal("0.01"))
    sums["people"] = (
        Member.objects.filter(outreach_activities__in=qs.order_by().values("pk")).distinct().count()
    )
    return sums


def participants(user, root: Organization, start: date, end: date):
    """The distinct members who went down in the period, with how many activities each joined."""
    acts = activities(user, root, start, end).order_by().values("pk")
    return (
        Member.objects.filter(outreach_activities__in=acts)
        .annotate(times=Count("outreach_activities", filter=Q(outreach_activities__in=acts)))
        .select_related("org")
        .order_by("stroke_key", "id")
    )


@dataclass
class KindRow:
    kind: str
    label: str
    pairings: int = 0
    orgs: int = 0
    partners: int = 0


@dataclass
class Figures:
    org: Organization
    start: date
    end: date
    kinds: list[KindRow] = field(default_factory=list)
    pairings: int = 0
    orgs: int = 0
    partners: int = 0
    by_category: list[tuple[str, str, int]] = field(default_factory=list)
    activities: int = 0
    people: int = 0
    problems: int = 0
    services: int = 0
    funds: Decimal = Decimal("0")
    deeds: int = 0
    tasks: int = 0
    tasks_done: int = 0

    def as_dict(self) -> dict:
        return {
            "org": {"id": self.org.pk, "name": self.org.name},
            "from": self.start,
            "to": self.end,
            "pairings": {
                "pairings": self.pairings,
                "agency_orgs": self.orgs,
                "partners": self.partners,
                "by_partner_kind": [
                    {
                        "kind": k.kind,
                        "label": k.label,
                        "pairings": k.pairings,
                        "agency_orgs": k.orgs,
                        "partners": k.partners,
                    }
                    for k in self.kinds
                ],
            },
            "activities": {
                "total": self.activities,
                "by_category": [
                    {"category": c, "label": lbl, "count": n} for c, lbl, n in self.by_category
                ],
            },
            "members_went_down": self.people,
            "problems_solved": self.problems,
            "services_delivered": self.services,
            "funds_raised": str(self.funds),
            "deeds_done": self.deeds,
            "tasks": {"total": self.tasks, "done": self.tasks_done},
        }


def figures(user, root: Organization, start: date, end: date, *, action: str = "view") -> Figures:
    out = Figures(org=root, start=start, end=end)
    pqs = pairings(user, root, start, end, action=action).order_by()
    rows = {
        r["partner_kind"]: r
        for r in pqs.values("partner_kind").annotate(
            n=Count("id"),
            orgs=Count("org", distinct=True),
            p1=Count("partner", distinct=True),
            p2=Count("partner_org", distinct=True),
        )
    }
    for kind, label in PartnerKind.choices:
        r = rows.get(kind)
        if r is None:
            continue
        out.kinds.append(KindRow(kind, str(label), r["n"], r["orgs"], r["p1"] + r["p2"]))
    overall = pqs.aggregate(
        n=Count("id"),
        orgs=Count("org", distinct=True),
        p1=Count("partner", distinct=True),
        p2=Count("partner_org", distinct=True),
    )
    out.pairings, out.orgs, out.partners = (
        overall["n"],
        overall["orgs"],
        overall["p1"] + overall["p2"],
    )

    aqs = activities(user, root, start, end, action=action)
    per = dict(aqs.order_by().values_list("category").annotate(n=Count("id")))
    out.by_category = [(c, str(lbl), per.get(c, 0)) for c, lbl in Category.choices]
    t = activity_totals(aqs)
    out.activities, out.people = t["n"], t["people"]
    out.problems, out.services, out.funds, out.deeds = (
        t["problems"],
        t["services"],
        t["funds"],
        t["deeds"],
    )
    from dangjian.outreach.models import PairingTask

    tasks = PairingTask.objects.filter(
        pairing__in=pqs.values("pk"),
        year__gte=start.year,
        year__lte=end.year,
        withdrawn_at__isnull=True,  # a task withdrawn as a mistake leaves the counts
    )
    out.tasks = tasks.count()
    out.tasks_done = tasks.filter(done_by__isnull=False).distinct().count()
    return out


def task_rows(pairing: Pairing):
    """The pairing's tasks with the activities that completed them (done = at least one).

    Withdrawn tasks stay in the list (marked), after the live ones of their year.
    """
    tasks = list(pairing.tasks.prefetch_related("done_by").order_by("-year", "category", "id"))
    tasks.sort(key=lambda t: (-t.year, t.withdrawn_at is not None))
    for t in tasks:
        t.done_acts = sorted(t.done_by.all(), key=lambda a: (a.held_on, a.pk))
        t.done = bool(t.done_acts)
    return tasks


def _shown(field, raw: str) -> str:
    """A Revision's stored value as the reader sees it: choice labels, dates as dates."""
    if raw in (None, ""):
        return str(_("（空）"))
    choices = dict(getattr(field, "flatchoices", None) or [])
    if raw in choices:
        return str(choices[raw])
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        try:
            return date_format(date.fromisoformat(raw), "DATE_FORMAT")
        except ValueError:
            return raw
    if isinstance(field, models.DateTimeField):
        return str(_("已设置"))
    return raw


def history(user, objs) -> list[Revision]:
    """The corrections, endings and withdrawals of these records, newest first, each with
    `.rows` = [(field label, before, after)] in the reader's language and `.model_label`."""
    objs = [o for o in objs if o is not None]
    if not objs:
        return []
    q = Q(pk__in=[])
    for o in objs:
        q |= Q(content_type=ContentType.objects.get_for_model(type(o)), object_id=o.pk)
    revs = list(
        restrict(user, "view", Revision.objects.filter(q))
        .select_related("made_by", "content_type")
        .order_by("-made_at", "-id")
    )
    for r in revs:
        model = r.content_type.model_class()
        r.model_label = str(model._meta.verbose_name) if model else ""
        r.rows = []
        for name, before, after in r.changes:
            try:
                field = model._meta.get_field(name)
                label = str(field.verbose_name)
            except Exception:
                field, label = None, name
            if name == "agreement_name":
                label = str(_("协议文件"))
            if field is None:
                r.rows.append((label, before or str(_("（空）")), after or str(_("（空）"))))
            else:
                r.rows.append((label, _shown(field, before), _shown(field, after)))
    return revs
