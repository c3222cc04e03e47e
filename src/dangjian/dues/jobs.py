"""Posting a month for a large subtree as a background job with progress (the page would wait).

The job posts each child subtree in turn, then the root's own members, all in one transaction:
a failed or interrupted job has posted nothing. Small subtrees are posted inside the request.
"""

from __future__ import annotations

import os
from datetime import date

from django.db import transaction

from dangjian.accounts.models import User
from dangjian.core.jobs import start_job
from dangjian.core.models import Job, JobKind
from dangjian.dues.services import close_month, month_label
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.orgs.models import Organization


def inline_limit() -> int:
    """Paying members above which the close page hands the work to a background job."""
    return int(os.environ.get("DANGJIAN_DUES_CLOSE_INLINE", "20000"))


def needs_job(org: Organization) -> bool:
    paying = Member.objects.filter(status=MemberStatus.NORMAL, org_path__startswith=org.path)
    return paying[: inline_limit() + 1].count() > inline_limit()


def close_in_background(*, actor, org: Organization, month: date) -> Job:
    job = Job.objects.create(
        kind=JobKind.DUES_CLOSE,
        created_by=actor,
        org_path=org.path,
        params={"org": org.pk, "month": month.isoformat()},
        message="排队等待中…",
    )
    return start_job(
        job,
        "dangjian.dues.jobs.run_close",
        org_id=org.pk,
        month=month.isoformat(),
        actor_id=actor.pk,
    )


def run_close(*, job: Job, progress, org_id: int, month: str, actor_id: int) -> dict:
    actor = User.objects.get(pk=actor_id)
    org = Organization.objects.get(pk=org_id)
    day = date.fromisoformat(month)
    children = list(
        Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by("path")
    )
    label = month_label(day)
    progress.set(0, len(children) + 1, message=f"正在为{org.name}结算{label}党费……", force=True)
    posted = 0
    with progress.write_phase(f"正在入账{label}党费……"), transaction.atomic():
        for done, child in enumerate(children, start=1):
            posted += close_month(actor=actor, month=day, within=child).posted
            progress.set(done, message=f"已入账：{child.name}")
        result = close_month(actor=actor, month=day, within=org)
        posted += result.posted
        progress.set(len(children) + 1, force=True)
    return {
        "message": f"{label}党费入账完成：新入账{posted}人，未核定党费基数{len(result.missing_base)}人。",
        "result": {"org_id": org.pk, "month": day.strftime("%Y-%m"), "posted": posted},
    }
