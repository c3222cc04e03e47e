"""Benchmark: import 10⁵ members from .xlsx (read → check → prepare → write) against DATABASE_URL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import dangjian migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import .venv/bin/python bench/bench_import.py [--rows N]

Prints seconds per phase, rows/s, and a baseline measured in the same run: a bare
Member.objects.bulk_create of the same prepared objects (inside a transaction that is rolled back),
with the ratio of the import's write phase and of the whole import to it. Not collected by pytest.
The bench creates its own organisations (codes BENCH*) and user, and deletes what it imported
unless --keep is given.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
os.environ.setdefault("DANGJIAN_VAR_DIR", tempfile.mkdtemp(prefix="dangjian-bench-"))

import django

django.setup()

import xlsxwriter  # noqa: E402
from auditlog.models import LogEntry  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from dangjian.accounts.models import Grant, User  # noqa: E402
from dangjian.accounts.roles import Role  # noqa: E402
from dangjian.core.imports import get_importer, read_table  # noqa: E402
from dangjian.core.jobs import Progress  # noqa: E402
from dangjian.core.models import Job  # noqa: E402
from dangjian.members.idnumber import make_id_number  # noqa: E402
from dangjian.members.models import Member  # noqa: E402
from dangjian.members.services import apply_member_data  # noqa: E402
from dangjian.orgs.models import Organization, OrgType  # noqa: E402
from dangjian.orgs.services import create_organization  # noqa: E402

BRANCHES = 20
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"


class Rollback(Exception):
    pass


def setup_tree():
    root = Organization.objects.filter(code="BENCH0").first()
    if root is None:
        root = create_organization(
            parent=None,
            fields={"name": "基准测试工委", "code": "BENCH0", "org_type": OrgType.WORK_COMMITTEE},
        )
        for i in range(1, BRANCHES + 1):
            create_organization(
                parent=root,
                fields={
                    "name": f"基准测试第{i}党支部",
                    "code": f"BENCH{i}",
                    "org_type": OrgType.BRANCH,
                },
            )
    root = Organization.objects.get(code="BENCH0")
    user, _ = User.objects.get_or_create(
        username="bench-importer", defaults={"display_name": "基准测试"}
    )
    Grant.objects.get_or_create(user=user, role=Role.WORK_COMMITTEE_ADMIN, org=root)
    return root, user


def write_file(path: Path, rows: int) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("数据")
    headers = get_importer("members").headers
    ws.write_row(0, 0, headers)
    for i in range(rows):
        gender = "男" if i % 2 else "女"
        birth = date(1950, 1, 1) + timedelta(days=i // 400)
        number = make_id_number("350421", birth, (i % 400) * 2, "male" if i % 2 else "female")
        ws.write_row(i + 1, 0, [
            _SURNAMES[i % 20] + _GIVEN[(i // 20) % 20] + _GIVEN[(i // 400) % 20],
            gender, "汉族", birth.isoformat(), number, "大学本科", "党政机关工作人员",
            f"139{i:08d}", f"{birth.year + 25}-07-01", f"{birth.year + 26}-07-01", "正式党员",
            f"BENCH{1 + i % BRANCHES}",
        ])  # fmt: skip
    book.close()


def remove_bench_members(root) -> None:
    """Plain SQL deletes (the ORM's cascade collector would walk 10⁵ rows one relation at a time)."""
    from django.contrib.contenttypes.models import ContentType

    members = Member.objects.filter(org_path__startswith=root.path)
    ct = ContentType.objects.get_for_model(Member)
    with transaction.atomic():
        LogEntry.objects.filter(content_type=ct, object_id__in=members.values("pk"))._raw_delete(
            LogEntry.objects.db
        )
        members._raw_delete(Member.objects.db)


def _simulate_flag(importers) -> None:
    from types import SimpleNamespace

    from dangjian.members import services

    real = services.clean_member_data
    no_db = SimpleNamespace(
        objects=SimpleNamespace(filter=lambda **kw: SimpleNamespace(exists=lambda: False))
    )

    def clean(raw, *, check_registered=True, **kwargs):
        saved, services.Member = services.Member, no_db
        try:
            return real(raw, **kwargs)
        finally:
            services.Member = saved

    importers.clean_member_data = clean
    importers._CLEAN_KWARGS = {"check_registered": False}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the imported members")
    parser.add_argument(
        "--simulate-check-registered",
        action="store_true",
        help="project the import with clean_member_data(check_registered=False): its per-row ID lookup "
        "is stubbed out in this process and the importer's bulk lookup does the work",
    )
    args = parser.parse_args()
    n = args.rows
    from dangjian.members import importers

    if args.simulate_check_registered and not importers._BULK_DUPLICATE_CHECK:
        _simulate_flag(importers)
    print(
        "ID numbers already registered: "
        + (
            "one bulk lookup per 1,000 rows"
            if importers._CLEAN_KWARGS
            else "one query per row (clean_member_data)"
        )
    )

    root, user = setup_tree()
    if Member.objects.filter(org_path__startswith=root.path).exists():
        print("removing members left by an earlier run", file=sys.stderr)
        remove_bench_members(root)
    importer = get_importer("members")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xlsx"
        t0 = time.monotonic()
        write_file(path, n)
        print(
            f"generated {n:,} rows in {time.monotonic() - t0:.1f} s ({path.stat().st_size / 1e6:.1f} MB)"
        )

        job = Job.objects.create(
            kind="members_import", created_by=user, org_path=root.path, progress_total=3 * n
        )
        progress = Progress(job)
        t, cpu = {}, {}
        t0, c0 = time.monotonic(), time.process_time()
        table = read_table(path)
        t["read"], cpu["read"] = time.monotonic() - t0, time.process_time() - c0
        t0, c0 = time.monotonic(), time.process_time()
        checked = importer.check(table, actor=user, progress=progress, total=n)
        t["check"], cpu["check"] = time.monotonic() - t0, time.process_time() - c0
        assert not checked.errors, checked.errors.items[:5]
        assert len(checked.rows) == n

        # Baseline: the same rows prepared, then one bare bulk_create, rolled back.
        orgs = Organization.objects.in_bulk({org_id for _, _, org_id in checked.rows})
        t0, c0 = time.monotonic(), time.process_time()
        objs = []
        for _, data, org_id in checked.rows:
            m = Member(org=orgs[org_id])
            apply_member_data(m, data)
            objs.append(m)
        t["baseline_prepare"], cpu["baseline_prepare"] = (
            time.monotonic() - t0,
            time.process_time() - c0,
        )
        t0, c0 = time.monotonic(), time.process_time()
        try:
            with transaction.atomic():
                Member.objects.bulk_create(objs, batch_size=1000)
                raise Rollback
        except Rollback:
            pass
        t["baseline_bulk_create"], cpu["baseline_bulk_create"] = (
            time.monotonic() - t0,
            time.process_time() - c0,
        )
        del objs

        before_logs = LogEntry.objects.count()
        c0 = time.process_time()
        t0 = time.monotonic()
        prepared = importer.prepare(checked, progress=progress, base=n)
        t["prepare"] = time.monotonic() - t0
        result = importer.commit(prepared, actor=user, job=job, progress=progress, base=2 * n)
        cpu["commit"] = time.process_time() - c0
        t["write"] = result["timings"]["build"] + result["timings"]["write"]
        assert Member.objects.filter(org_path__startswith=root.path).count() == n
        assert LogEntry.objects.count() - before_logs == n + 1

        # Export of the same rows (the list page's export path without the request).
        from dangjian.core.exports import write_xlsx
        from dangjian.members.import_views import EXPORT_COLUMNS, _export_rows

        t0 = time.monotonic()
        out = Path(tmp) / "export.xlsx"
        exported = write_xlsx(
            out,
            sheet="党员名册",
            columns=EXPORT_COLUMNS,
            rows=_export_rows(
                Member.objects.filter(org_path__startswith=root.path).order_by("stroke_key", "id")
            ),
        )
        t["export"] = time.monotonic() - t0
        assert exported == n

    total = t["read"] + t["check"] + t["prepare"] + t["write"]
    print(f"rows: {n:,}")
    for key in ("read", "check", "prepare", "write"):
        print(f"  {key:<8} {t[key]:7.2f} s   {n / t[key]:>10,.0f} rows/s")
    print(
        f"  {'total':<8} {total:7.2f} s   {n / total:>10,.0f} rows/s   (import as a job: read + check + prepare + write)"
    )
    print(
        f"baseline: bare Member.objects.bulk_create of the same prepared objects: {t['baseline_bulk_create']:.2f} s"
        f" (preparing them: {t['baseline_prepare']:.2f} s)"
    )
    print(
        f"  write phase / baseline = {t['write'] / t['baseline_bulk_create']:.2f}x"
        f"  (members + one audit entry each + the import event)"
    )
    print(f"  whole import / baseline = {total / t['baseline_bulk_create']:.2f}x")
    print(
        f"CPU seconds of this process (less sensitive to other load; load average now "
        f"{os.getloadavg()[0]:.1f}): read {cpu['read']:.1f}, check {cpu['check']:.1f}, "
        f"prepare+write {cpu['commit']:.1f}; baseline: prepare {cpu['baseline_prepare']:.1f}, "
        f"bare bulk_create {cpu['baseline_bulk_create']:.1f}"
    )
    print(
        f"export of the same {n:,} rows to .xlsx: {t['export']:.2f} s ({n / t['export']:,.0f} rows/s)"
    )

    if not args.keep:
        remove_bench_members(root)
    job.delete()


if __name__ == "__main__":
    main()
