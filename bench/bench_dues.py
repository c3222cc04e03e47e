"""党费 month close and year roll-up at 1,000,000 members, in PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dues \\
        .venv/bin/python bench/bench_dues.py [--members 1000000 --orgs 50000] [--repeat 3]

1. Uses the member benchmark's database (bench/bench_member_list.py builds it; a build of the
   same size is reused, otherwise one is made: 1,000,000 members in 50,000 organisations).
2. Gives every member a dues base with one set-based INSERT (bench set-up, not product code):
   categories and bases spread over every bracket. The amounts are computed by the product's
   calculator (`amount_for`) once per distinct (category, base) and checked on a sample of rows.
3. Month close, measured `--repeat` times, alternating with the baseline, on an emptied ledger:
   - baseline: a plain `INSERT INTO dues_duesmonth … SELECT` of the same rows (members joined
     to their one base row; no "latest base" lookup, no relief, no already-posted check, no sums);
   - product: `dues.services.close_month` for the whole tree (the latest base per member, approved
     relief, skip rows already posted, then rebuild the per-organisation sums and list the
     members without a base, and the audit event), as the monthly job runs it.
   Prints each run, the best, and the ratio product ÷ baseline.
4. Posts the other 11 months of a year with the same service, marks 97 % of the rows paid and
   rebuilds the sums (set-based), then times the year roll-up for the whole tree
   (`dues.selectors.rollup` as the 工委 administrator: every 党委 with due, paid, rate) and for the
   biggest 党委, best of `--repeat`.

Targets (issue 4): close under 30 s and within 3× of the plain insert; roll-up under 5 s.
Prints figures only; never fails on timings.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_member_list as bml

log = bml.log

# (category, base) pairs spread over every bracket; member id modulo picks one.
PROFILES = [
    ("salaried", "2800.00"), ("salaried", "3000.00"), ("salaried", "3000.01"), ("salaried", "4500.00"),
    ("salaried", "5000.00"), ("salaried", "6800.50"), ("salaried", "9999.99"), ("salaried", "12000.00"),
    ("annual_salary", "15000.00"), ("self_employed", "4200.00"), ("retired", "4300.00"),
    ("retired", "5000.01"), ("low_income", None),
]  # fmt: skip


def ensure_build(args) -> bml.Env:
    env = bml.setup_env(args)
    meta = bml.existing_build(env)
    key_file = env.var_dir / "keys" / "data.key"
    if meta and (meta["members"], meta["orgs"]) == (args.members, args.orgs) and key_file.exists():
        log(f"reusing {env.db['NAME']}: {meta['members']:,} members, {meta['orgs']:,} orgs")
        bml.django_setup()
        bml.migrate()
    else:
        build_args = SimpleNamespace(
            members=args.members, orgs=args.orgs, seed=20240701, processes=os.cpu_count() or 2,
            locale=None, var_dir=None,
        )  # fmt: skip
        bml.build(env, build_args)
    return env


def sql(statement: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.rowcount


def table(model) -> str:
    return model._meta.db_table


def give_bases(first_month: date) -> None:
    from dangjian.dues.models import DuesBase
    from dangjian.dues.standards import amount_for

    sql(f"TRUNCATE {table(DuesBase)} CASCADE")
    priced = [amount_for(c, b or 0, first_month) for c, b in PROFILES]
    cases = " ".join(
        f"WHEN {i} THEN {p.amount}" for i, p in enumerate(priced)
    )  # amounts from the product's calculator
    cats = " ".join(f"WHEN {i} THEN '{c}'" for i, (c, _b) in enumerate(PROFILES))
    bases = " ".join(f"WHEN {i} THEN {b or 'NULL'}" for i, (_c, b) in enumerate(PROFILES))
    standard = priced[0].standard.name.replace("'", "''")
    n = len(PROFILES)
    t = time.perf_counter()
    rows = sql(
        f"""
        INSERT INTO {table(DuesBase)} (member_id, category, base, amount, rate, standard_name,
                                       from_month, source, note, recorded_at)
        SELECT id, CASE id %% {n} {cats} END, CASE id %% {n} {bases} END, CASE id %% {n} {cases} END,
               NULL, '{standard}', %s, 'import', '', now()
        FROM members_member
        """,
        [first_month],
    )
    sql(f"ANALYZE {table(DuesBase)}")
    log(f"bases: {rows:,} rows in {time.perf_counter() - t:.1f} s")
    # the calculator and the bench agree on a sample
    sample = DuesBase.objects.order_by("?")[:500]
    bad = [b for b in sample if amount_for(b.category, b.base or 0, first_month).amount != b.amount]
    log(f"bases checked against amount_for on {len(sample)} rows: {len(bad)} mismatches")


def empty_ledger() -> None:
    from dangjian.dues.models import DuesEntry, DuesMonth, DuesOrgMonth

    sql(f"TRUNCATE {table(DuesEntry)}, {table(DuesOrgMonth)}, {table(DuesMonth)}")


def plain_insert(month: date) -> tuple[int, float]:
    from dangjian.dues.models import DuesBase, DuesMonth
    from dangjian.dues.services import month_end

    t = time.perf_counter()
    rows = sql(
        f"""
        INSERT INTO {table(DuesMonth)} (member_id, month, org_id, org_path, category, base, assessed,
            due, paid, paid_on, method, recorded_by_id, relief_id, base_row_id, posted_at)
        SELECT m.id, %s, m.org_id, m.org_path, b.category, b.base, b.amount, b.amount, 0, NULL, '',
               NULL, NULL, b.id, now()
        FROM members_member m JOIN {table(DuesBase)} b ON b.member_id = m.id
        WHERE m.status = 'normal' AND m.joined_on <= %s
        """,
        [month, month_end(month)],
    )
    return rows, time.perf_counter() - t


def product_close(month: date) -> tuple[int, float]:
    from dangjian.dues import services

    t = time.perf_counter()
    result = services.close_month(actor=None, month=month, within=None)
    return result.posted, time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--var-dir")
    parser.add_argument("--skip-year", action="store_true", help="measure the month close only")
    args = parser.parse_args()
    ensure_build(args)

    from django.db import connection

    from dangjian.core.calendar import add_months
    from dangjian.dues.models import DuesMonth, DuesOrgMonth
    from dangjian.dues.services import month_start, refresh_org_months

    this_month = month_start(date.today())
    first = add_months(this_month, -11)
    give_bases(first)

    log(f"month close of {first:%Y-%m}: baseline and product, {args.repeat} rounds each")
    plain, product = [], []
    for i in range(args.repeat):
        empty_ledger()
        rows, secs = plain_insert(first)
        plain.append(secs)
        log(f"  round {i + 1}: plain INSERT … SELECT  {rows:,} rows  {secs:6.2f} s")
        empty_ledger()
        rows, secs = product_close(first)
        product.append(secs)
        log(f"  round {i + 1}: close_month (service)  {rows:,} rows  {secs:6.2f} s")
    best_plain, best_product = min(plain), min(product)
    posted = DuesMonth.objects.filter(month=first).count()
    sums = DuesOrgMonth.objects.filter(month=first).count()

    year = None
    if not args.skip_year:
        log("posting the other 11 months and paying 97 % of the rows")
        t = time.perf_counter()
        month = add_months(first, 1)
        while month <= this_month:
            product_close(month)
            month = add_months(month, 1)
        sql(
            f"UPDATE {table(DuesMonth)} SET paid = due, paid_on = month, method = 'transfer' WHERE member_id %% 33 <> 0"
        )
        month = first
        while month <= this_month:
            refresh_org_months(month=month)
            month = add_months(month, 1)
        sql(f"VACUUM ANALYZE {table(DuesMonth)}")
        sql(f"ANALYZE {table(DuesOrgMonth)}")
        log(
            f"  year posted and paid in {time.perf_counter() - t:.0f} s: {DuesMonth.objects.count():,} member-months"
        )
        year = roll_up(first, this_month, args.repeat)

    print()
    print(
        f"党费 month close, {posted:,} members posted, {sums:,} organisation sums (PostgreSQL, {connection.pg_version // 10000})"
    )
    print(
        f"  plain INSERT … SELECT   best {best_plain:6.2f} s   median {statistics.median(plain):6.2f} s"
    )
    print(
        f"  close_month (service)   best {best_product:6.2f} s   median {statistics.median(product):6.2f} s"
    )
    print(
        f"  ratio product ÷ plain   {best_product / best_plain:6.2f}×   (target: under 30 s and ≤ 3×)"
    )
    if year:
        for label, secs, rows in year:
            print(
                f"  year roll-up, {label:24s} best {secs:6.3f} s   ({rows} rows)   (target: under 5 s)"
            )
    return 0


def roll_up(start: date, end: date, repeat: int) -> list[tuple[str, float, int]]:
    from django.db.models import Count
    from django.db.models.functions import Substr

    from dangjian.accounts.models import Grant, User
    from dangjian.accounts.roles import Role
    from dangjian.dues.selectors import rollup
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization, OrgType

    gongwei = Organization.objects.get(org_type=OrgType.WORK_COMMITTEE)
    user, _ = User.objects.get_or_create(
        username="bench_dues_gongwei", defaults={"display_name": "bench"}
    )
    Grant.objects.get_or_create(user=user, role=Role.WORK_COMMITTEE_ADMIN, org=gongwei)
    dangweis = {o.path: o for o in Organization.objects.filter(org_type=OrgType.PARTY_COMMITTEE)}
    width = len(next(iter(dangweis)))
    sizes = dict(
        Member.objects.annotate(p=Substr("org_path", 1, width))
        .values_list("p")
        .annotate(n=Count("id"))
    )
    big = dangweis[max((p for p in sizes if p in dangweis), key=sizes.get)]
    out = []
    for label, root in (("whole tree (工委)", gongwei), ("biggest 党委", big)):
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            rows, total = rollup(user, root=root, start=start, end=end)
            times.append(time.perf_counter() - t)
        log(
            f"  roll-up {label}: {len(rows)} rows, due {total.due}, paid {total.paid}, rate {total.rate}%"
        )
        out.append((label, min(times), len(rows)))
    return out


if __name__ == "__main__":
    sys.exit(main())
