"""Job pages: who sees them, the polled status, the template download, the thread runner."""

import io
import threading

import pytest
from django.urls import reverse
from helpers import member_rows, upload, write_xlsx
from python_calamine import CalamineWorkbook

from dangjian.core.models import Job
from dangjian.members.choices import ETHNICITIES


@pytest.fixture
def zhibu_job(county, login, tmp_path):
    c = login(county.users["zhibu"])
    resp = c.post(
        reverse("members:import"),
        {
            "kind": "members",
            "file": upload(write_xlsx(tmp_path / "a.xlsx", member_rows(3, "T111"))),
        },
    )
    return Job.objects.get(pk=resp.url.rstrip("/").split("/")[-1])


def test_job_page_visible_to_creator_and_scope_not_to_others(county, login, zhibu_job):
    job = zhibu_job
    assert job.org_path == county.branch_a1.path
    for name, code in [
        ("zhibu", 200),
        ("gongwei", 200),
        ("dangwei", 200),
        ("zhibu2", 404),
        ("dangyuan", 404),
        ("admin", 404),
    ]:
        c = login(county.users[name])
        assert c.get(reverse("core:job", args=[job.pk])).status_code == code, name
        assert c.get(reverse("core:job_status", args=[job.pk])).status_code == code, name
    # only the uploader may confirm, even when others can see the preview
    c = login(county.users["gongwei"])
    assert c.post(reverse("core:job_commit", args=[job.pk])).status_code == 404
    assert not Job.objects.filter(parent=job).exists()
    c = login(county.users["zhibu2"])
    assert c.post(reverse("core:job_commit", args=[job.pk])).status_code == 404


def test_running_job_page_polls_and_finished_page_stops(county, login, zhibu_job):
    c = login(county.users["zhibu"])
    Job.objects.filter(pk=zhibu_job.pk).update(
        status="running", progress_done=40, progress_total=100, message="正在检查第41行…"
    )
    html = c.get(reverse("core:job_status", args=[zhibu_job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html and "40%" in html and "正在检查第41行" in html
    Job.objects.filter(pk=zhibu_job.pk).update(status="succeeded")
    html = c.get(reverse("core:job_status", args=[zhibu_job.pk])).content.decode()
    assert "hx-trigger" not in html


def test_a_job_whose_process_died_is_marked_failed(county, login, zhibu_job):
    from datetime import timedelta

    from django.utils import timezone

    old = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=zhibu_job.pk).update(status="running", heartbeat_at=old)
    c = login(county.users["zhibu"])
    html = c.get(reverse("core:job", args=[zhibu_job.pk])).content.decode()
    zhibu_job.refresh_from_db()
    assert zhibu_job.status == "failed" and "没有写入任何数据" in html


def test_job_list_and_import_page(county, login, zhibu_job):
    c = login(county.users["zhibu"])
    page = c.get(reverse("members:import")).content.decode()
    assert "下载党员信息模板" in page and "a.xlsx" in page and "下载党组织模板" not in page
    assert c.get(reverse("core:jobs")).status_code == 200
    c = login(county.users["gongwei"])
    assert "下载党组织模板" in c.get(reverse("members:import")).content.decode()
    c = login(county.users["dangyuan"])
    assert c.get(reverse("members:import")).status_code == 404


def test_template_has_chinese_headers_and_allowed_values(county, login):
    c = login(county.users["zhibu"])
    resp = c.get(reverse("members:import_template"))
    assert resp.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(resp.content))
    assert book.sheet_names == ["数据", "说明"]
    data = book.get_sheet_by_name("数据").to_python()
    assert data[0][0] == "姓名" and data[0][-1] == "所在党组织代码" and len(data) == 1
    notes = "\n".join(str(v) for row in book.get_sheet_by_name("说明").to_python() for v in row)
    assert all(e in notes for e in ETHNICITIES) and "大学本科" in notes and "预备党员" in notes


def test_blank_template_back_is_a_clear_message(county, login, tmp_path):
    c = login(county.users["zhibu"])
    blank = tmp_path / "模板.xlsx"
    blank.write_bytes(c.get(reverse("members:import_template")).content)
    resp = c.post(reverse("members:import"), {"kind": "members", "file": upload(blank)})
    job = Job.objects.get(pk=resp.url.rstrip("/").split("/")[-1])
    assert job.status == "failed" and "没有数据行" in job.message


def _join(job) -> None:
    # Wait on the thread rather than polling the table: the test database is SQLite's shared-cache
    # in-memory mode, which locks whole tables between connections (a file database in WAL does not).
    for thread in threading.enumerate():
        if thread.name == f"dangjian-job-{job.pk}":
            thread.join(timeout=120)


@pytest.mark.django_db(transaction=True)
def test_thread_runner_returns_at_once_and_finishes(settings, tmp_path):
    """In a server the job runs in a daemon thread after the request; the page polls it."""
    from support import build_county

    from dangjian.core.imports import get_importer, new_job, store_upload
    from dangjian.core.jobs import jobs_in_thread, start_job
    from dangjian.members.models import Member

    settings.DANGJIAN_JOBS_IN_THREAD = True
    assert jobs_in_thread()
    county = build_county(members_per_branch=1)
    user = county.users["zhibu"]
    path = store_upload(upload(write_xlsx(tmp_path / "t.xlsx", member_rows(300, "T111"))))
    check = new_job(
        kind="members",
        phase="check",
        actor=user,
        importer=get_importer("members"),
        file=path,
        params={"filename": "t.xlsx"},
    )
    check = start_job(check, "dangjian.core.imports.run_check", kind="members")
    assert check.status in ("queued", "running")  # the request would return now
    _join(check)
    check.refresh_from_db()
    assert check.status == "succeeded" and check.result["ok"], check.message
    from dangjian.core.imports import start_commit

    before = Member.objects.count()
    job = start_commit(check_job=check, actor=user)
    _join(job)
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert Member.objects.count() == before + 300


def test_row_count_estimate_reads_only_the_sheet_dimension(tmp_path):
    from dangjian.core.imports import count_data_rows

    assert count_data_rows(write_xlsx(tmp_path / "a.xlsx", member_rows(37, "T111"))) == 37
    assert count_data_rows(write_xlsx(tmp_path / "b.xlsx", [])) == 0
    csv = tmp_path / "c.csv"
    csv.write_text("姓名,性别\n张三,男\n李四,女\n", encoding="utf-8")
    assert count_data_rows(csv) == 2


def test_large_files_are_checked_as_a_job(county, login, tmp_path, settings, monkeypatch):
    from types import SimpleNamespace

    from dangjian.core import jobs

    settings.DANGJIAN_IMPORT_INLINE_ROWS = 5
    calls = []
    real = jobs.run_job_task.enqueue
    monkeypatch.setattr(
        jobs, "run_job_task", SimpleNamespace(enqueue=lambda *a: calls.append(a) or real(*a))
    )
    c = login(county.users["zhibu"])
    c.post(
        reverse("members:import"),
        {
            "kind": "members",
            "file": upload(write_xlsx(tmp_path / "a.xlsx", member_rows(4, "T111"))),
        },
    )
    assert calls == []  # small: checked inside the request
    c.post(
        reverse("members:import"),
        {
            "kind": "members",
            "file": upload(write_xlsx(tmp_path / "b.xlsx", member_rows(6, "T111"))),
        },
    )
    assert len(calls) == 1 and calls[0][1] == "dangjian.core.imports.run_check"
    assert Job.objects.order_by("-pk").first().status == "succeeded"
