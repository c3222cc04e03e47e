"""Member list under load: 1,000,000 members in 50,000 organisations, 16 clients, gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_list \\
        .venv/bin/python bench/bench_member_list.py [--members 1000000 --orgs 50000] [--reuse]

1. Drops and recreates the bench database, migrates it, and builds a 县委 → 工委 → 党委
   (some with 党总支) → 党支部 tree with COPY; members get valid ID numbers, encrypted ID and
   phone, and the same derived keys (姓氏笔画, pinyin) as members entered through the app.
   `--reuse` keeps a database built earlier with the same sizes (and the same key file).
2. Creates a 工委管理员 and a 党委管理员 (at the biggest 党委), with one session per client.
3. Renders each list page once in-process and prints its queries and the plans of the member
   queries (EXPLAIN ANALYZE; `--no-explain` skips them).
4. Starts gunicorn (the same configuration for every scenario) and runs `--clients` keep-alive
   clients per scenario, in `--rounds` interleaved rounds of `--warmup` unmeasured seconds and
   `--duration / --rounds` measured seconds.
5. Prints requests, throughput, p50/p95/p99 latency, non-200 responses and errors per scenario,
   the throughput ratio to the trivial view (/healthz, without and with a session) measured in
   the same run, and the CPU time per request of gunicorn, PostgreSQL and the load generator.

Target (the issue): the member lists' p95 under 100 ms and at least half the trivial view's
throughput. The script exits non-zero only when a response is not 200 (or a request fails),
never on timings. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's MP_Node.alphabet
STEPLEN = 4  # Organization.steplen
TODAY = date.today()

# ---------------------------------------------------------------------------------------------
# Name material, typed for this benchmark (no data set): surnames with rough weights and
# everyday given-name characters.
SURNAMES = {
    "王": 72, "李": 71, "张": 70, "刘": 54, "陈": 50, "杨": 33, "黄": 25, "赵": 23, "吴": 22,
    "周": 21, "徐": 18, "孙": 17, "马": 16, "朱": 15, "胡": 14, "郭": 13, "何": 13, "高": 12,
    "林": 12, "罗": 11, "郑": 11, "梁": 10, "谢": 9, "宋": 8, "唐": 8, "许": 8, "韩": 7,
    "冯": 7, "邓": 7, "曹": 7, "彭": 7, "曾": 6, "肖": 6, "田": 6, "董": 6, "袁": 5, "潘": 5,
    "于": 5, "蒋": 5, "蔡": 5, "余": 5, "杜": 5, "叶": 5, "程": 5, "苏": 4, "魏": 4, "吕": 4,
    "丁": 4, "任": 4, "沈": 4, "姚": 4, "卢": 4, "姜": 4, "崔": 4, "钟": 4, "谭": 3, "陆": 3,
    "汪": 3, "范": 3, "金": 3, "石": 3, "廖": 3, "贾": 3, "夏": 3, "韦": 3, "付": 3, "方": 3,
    "白": 3, "邹": 3, "孟": 3, "熊": 3, "秦": 3, "邱": 3, "江": 3, "尹": 3, "薛": 2, "闫": 2,
    "段": 2, "雷": 2, "侯": 2, "龙": 2, "史": 2, "陶": 2, "黎": 2, "贺": 2, "顾": 2, "毛": 2,
    "郝": 2, "龚": 2, "邵": 2, "万": 2, "钱": 2, "严": 2, "覃": 1, "武": 2, "戴": 2, "莫": 1,
    "孔": 1, "向": 1, "汤": 1, "蓝": 1, "巫": 1, "赖": 1, "欧阳": 1, "上官": 1, "司马": 1,
    "诸葛": 1, "单": 1, "解": 1,
}  # fmt: skip
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建平刚桂兰玉萍红霞鹏辉斌宇浩凯健俊帆"
    "晨阳雪琳晶欣婷颖佳瑶璐倩春梅海燕文博志国庆东峰林波宁亮成龙飞鑫淑珍凤云彬"
    "丹荣新利清德宏振子涵睿轩泽怡思雨嘉琪诗雅梓萱"
)
REGIONS = (
    "350402", "350403", "350421", "350423", "350424", "350425",
    "350426", "350427", "350428", "350429", "350430", "350481",
)  # fmt: skip
UNITS = (
    "教育局", "卫生健康局", "财政局", "公安局", "人力资源和社会保障局", "自然资源局", "住房和城乡建设局",
    "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局", "应急管理局", "审计局", "统计局",
    "市场监督管理局", "医疗保障局", "林业局", "生态环境局", "民政局", "司法局", "发展和改革局",
    "工业和信息化局", "科技局", "退役军人事务局", "信访局", "税务局", "供电公司", "县医院", "第一中学",
    "城建集团", "交通投资集团", "农商银行", "烟草专卖局", "融媒体中心", "机关事务服务中心",
    "行政服务中心", "疾病预防控制中心", "妇幼保健院", "职业中专学校",
)  # fmt: skip
SECTORS = ("organ", "institution", "enterprise")
EDUCATION = {"postgraduate": 8, "bachelor": 45, "associate": 25, "secondary_vocational": 7, "high_school": 8, "junior_or_below": 7}  # fmt: skip
OCCUPATION = {"official": 40, "professional": 20, "manager": 12, "worker": 8, "farmer": 2, "student": 1, "other": 5, "retired": 12}  # fmt: skip
ETHNICITY = {"汉族": 950, "畲族": 30, "回族": 8, "壮族": 4, "满族": 4, "苗族": 4}
STATUS_REASONS = {
    "suspended": "与党组织失去联系六个月以上，依规停止党籍。",
    "left": "本人申请退党，经支部大会讨论同意。",
    "deceased": "因病去世。",
}

MEMBER_COLUMNS = (
    "id", "name", "gender", "ethnicity", "birth_date", "id_number_enc", "id_number_hash",
    "id_number_masked", "education", "occupation", "phone_enc", "phone_masked", "joined_on",
    "confirmed_on", "category", "status", "status_date", "status_reason", "org_path", "stroke_key",
    "pinyin", "pinyin_initials", "created_at", "updated_at", "org_id", "user_id",
)  # fmt: skip
ORG_COLUMNS = (
    "id", "path", "depth", "numchild", "name", "short_name", "code", "org_type", "sector",
    "unit_name", "founded_on", "status", "dissolved_on", "dissolved_reason", "merged_into_id",
)  # fmt: skip


_T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - _T0:7.1f} s] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------
# Environment and database


@dataclass
class Env:
    url: str
    db: dict
    var_dir: Path


def setup_env(args) -> Env:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "DATABASE_URL must point to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/bench_list"
        )
    import dj_database_url

    db = dj_database_url.parse(url)
    var_dir = Path(
        args.var_dir or Path(tempfile.gettempdir()) / f"dangjian-bench-{db['NAME']}"
    ).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    # The build, the sessions and gunicorn share one var dir: the same data key and secret key.
    os.environ["DANGJIAN_VAR_DIR"] = str(var_dir)
    os.environ.pop("DANGJIAN_KEY_FILE", None)
    os.environ.pop("DANGJIAN_SECRET_KEY", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "dangjian.settings"
    os.environ.setdefault("DANGJIAN_DEBUG", "0")
    return Env(url=url, db=db, var_dir=var_dir)


def pg_connect(env: Env, dbname: str | None = None, **kw):
    import psycopg

    d = env.db
    return psycopg.connect(
        dbname=dbname or d["NAME"],
        host=d.get("HOST") or None,
        port=d.get("PORT") or None,
        user=d.get("USER") or None,
        password=d.get("PASSWORD") or None,
        **kw,
    )


def existing_build(env: Env) -> dict | None:
    """The bench_meta row of a database built earlier, if the database exists."""
    import psycopg

    try:
        with pg_connect(env) as conn:
            row = conn.execute(
                "SELECT members, orgs, seed, build_seconds FROM bench_meta ORDER BY built_at DESC LIMIT 1"
            ).fetchone()
    except psycopg.Error:
        return None
    if row is None:
        return None
    return {"members": row[0], "orgs": row[1], "seed": row[2], "build_seconds": row[3]}


def recreate_database(env: Env, locale: str | None) -> None:
    from psycopg import sql

    name = env.db["NAME"]
    with pg_connect(env, "postgres", autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        if locale:
            conn.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE {} LC_CTYPE {}"
                ).format(sql.Identifier(name), sql.Literal(locale), sql.Literal(locale))
            )
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_setup() -> None:
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# ---------------------------------------------------------------------------------------------
# The tree


def step(n: int) -> str:
    """Treebeard's path step for the n-th child (1-based): base 36, zero-padded to STEPLEN."""
    digits = ""
    while True:
        n, r = divmod(n, len(ALPHABET))
        digits = ALPHABET[r] + digits
        if n == 0:
            break
    if len(digits) > STEPLEN:
        raise ValueError("too many children for steplen 4")
    return ALPHABET[0] * (STEPLEN - len(digits)) + digits


def allocate(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), at least `minimum` each."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError("not enough to give everyone the minimum")
    s = sum(weights)
    raw = [spare * w / s for w in weights]
    out = [minimum + int(x) for x in raw]
    rest = total - sum(out)
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)[:rest]:
        out[i] += 1
    return out


@dataclass
class Tree:
    rows: list[tuple] = field(default_factory=list)  # COPY rows for orgs_organization
    branches: list[tuple[int, str]] = field(default_factory=list)  # (id, path)
    gongwei_id: int = 0
    dangwei: list[tuple[int, str, str, int]] = field(
        default_factory=list
    )  # (id, path, name, branches)


def build_tree(n_orgs: int, rng: random.Random) -> Tree:
    """县委 → 工委 → ~n/250 党委 (every third one large enough with 党总支) → 党支部, n_orgs in all."""
    tree = Tree()
    next_id = [0]

    def add(
        path: str, name: str, short: str, org_type: str, sector: str, unit: str, numchild: int
    ) -> int:
        next_id[0] += 1
        oid = next_id[0]
        founded = date(1950, 1, 1) + timedelta(days=rng.randrange(27000))
        depth = len(path) // STEPLEN
        tree.rows.append(
            (oid, path, depth, numchild, name, short, f"B{oid:07d}", org_type, sector, unit,
             founded, "active", None, "", None)
        )  # fmt: skip
        return oid

    n_dw = max(1, min(200, (n_orgs - 2) // 250))
    units = n_orgs - 2 - n_dw  # 党总支 + 党支部
    # Sizes fall off like 1/(i+5): the biggest 党委 has ~5% of the branches, the smallest a few.
    alloc = allocate(units, [1 / (i + 5) for i in range(n_dw)])
    county_path = step(1)
    add(county_path, "中共示范县委员会", "示范县委", "county_committee", "organ", "示范县", 1)
    gw_path = county_path + step(1)
    tree.gongwei_id = add(
        gw_path,
        "中共示范县直属机关工作委员会",
        "县直机关工委",
        "work_committee",
        "organ",
        "示范县直属机关",
        n_dw,
    )
    for i, k in enumerate(alloc):
        unit = UNITS[i % len(UNITS)] + ("" if i < len(UNITS) else f"（{i // len(UNITS) + 1}）")
        sector = SECTORS[i % len(SECTORS)]
        dw_path = gw_path + step(i + 1)
        with_general = i % 3 == 0 and k >= 30
        n_general = math.ceil(k / 26) if with_general else 0
        n_branch = k - n_general
        dw_name = f"中共示范县{unit}委员会"
        dw_id = add(
            dw_path, dw_name, f"{unit}党委", "party_committee", sector, unit, n_general or n_branch
        )
        tree.dangwei.append((dw_id, dw_path, dw_name, n_branch))
        if with_general:
            per = allocate(n_branch, [1.0] * n_general)
            b = 0
            for g, count in enumerate(per):
                g_path = dw_path + step(g + 1)
                add(
                    g_path,
                    f"中共示范县{unit}第{g + 1}总支部委员会",
                    f"{unit}第{g + 1}党总支",
                    "general_branch",
                    sector,
                    unit,
                    count,
                )
                for j in range(count):
                    b += 1
                    p = g_path + step(j + 1)
                    bid = add(
                        p,
                        f"中共示范县{unit}第{b}支部委员会",
                        f"{unit}第{b}党支部",
                        "branch",
                        sector,
                        unit,
                        0,
                    )
                    tree.branches.append((bid, p))
        else:
            for j in range(n_branch):
                p = dw_path + step(j + 1)
                bid = add(
                    p,
                    f"中共示范县{unit}第{j + 1}支部委员会",
                    f"{unit}第{j + 1}党支部",
                    "branch",
                    sector,
                    unit,
                    0,
                )
                tree.branches.append((bid, p))
    assert len(tree.rows) == n_orgs, (len(tree.rows), n_orgs)
    return tree


# ---------------------------------------------------------------------------------------------
# Members (generated in a process pool; each chunk comes back as COPY text)

# Filled in the parent before the generator pool forks, so every worker shares them.
NAMES: list[str] = []  # NAMES[member id - 1]
DERIVED: dict[str, tuple[str, str, str]] = {}  # name -> (stroke_key, pinyin, pinyin_initials)
_ID_DAYS = (date(2003, 12, 31) - date(1940, 1, 1)).days + 1  # birth dates 1940–2003
_ID_SLOTS = len(REGIONS) * _ID_DAYS * 500  # (region, birth date, sequence pair) combinations
_ID_MULT = 2_654_435_761  # a prime above _ID_SLOTS: member id -> slot is a bijection


def make_names(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    surnames = rng.choices(list(SURNAMES), weights=list(SURNAMES.values()), k=n)
    return [s + "".join(rng.choices(GIVEN, k=1 if rng.random() < 0.3 else 2)) for s in surnames]


def derive_names(names: list[str]) -> list[tuple[str, str, str]]:
    """stroke_key, pinyin and initials exactly as the app derives them (store_name_keys)."""
    from dangjian.members.person import store_name_keys

    out = []
    for name in names:
        ns = SimpleNamespace(name=name, org_id=None)
        store_name_keys(ns)
        out.append((ns.stroke_key, ns.pinyin, ns.pinyin_initials))
    return out


def _weighted(rng: random.Random, table: dict) -> list:
    keys, weights = list(table), list(table.values())
    return rng.choices(keys, weights=weights, k=4096)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, month=3, day=1)


def _text(value) -> str:
    if value is None:
        return "\\N"
    return str(value)


def gen_chunk(task) -> tuple[str, int, float]:
    """Members of a few hundred branches as COPY text; ids from `first_id` on."""
    from dangjian.core.crypto import provider
    from dangjian.members.idnumber import make_id_number, mask_id_number, mask_phone
    from dangjian.members.services import id_number_index

    started = time.perf_counter()
    seed, first_id, branches, now = task
    rng = random.Random(seed)
    crypto = provider()
    educations, occupations, ethnicities = (
        _weighted(rng, EDUCATION),
        _weighted(rng, OCCUPATION),
        _weighted(rng, ETHNICITY),
    )
    slots = [(org_id, path) for org_id, path, count in branches for _ in range(count)]
    rng.shuffle(slots)  # a branch's members are not neighbours on disk or in id order
    lines = []
    last_full_join = TODAY - timedelta(days=400)
    for offset, (org_id, path) in enumerate(slots):
        mid = first_id + offset
        slot = (mid * _ID_MULT + 12345) % _ID_SLOTS
        region, rest = REGIONS[slot % len(REGIONS)], slot // len(REGIONS)
        birth = date(1940, 1, 1) + timedelta(days=rest % _ID_DAYS)
        pair = rest // _ID_DAYS  # 0..499
        gender = "male" if rng.random() < 0.68 else "female"
        id_number = make_id_number(region, birth, pair * 2 + (1 if gender == "male" else 0), gender)
        name = NAMES[mid - 1]
        stroke, pinyin, initials = DERIVED[name]
        eligible = _add_years(birth, 18)
        if rng.random() < 0.05:
            category = "probationary"
            joined = max(eligible, TODAY - timedelta(days=rng.randrange(1, 365)))
            confirmed = None
        else:
            category = "full"
            latest = min(_add_years(birth, 60), last_full_join)
            joined = eligible + timedelta(days=rng.randrange(max(1, (latest - eligible).days)))
            confirmed = min(_add_years(joined, 1) + timedelta(days=rng.randrange(60)), TODAY)
        r = rng.random()
        status = (
            "normal"
            if r < 0.965
            else "deceased"
            if r < 0.98
            else "left"
            if r < 0.99
            else "suspended"
        )
        status_date = reason = None
        if status != "normal":
            status_date = joined + timedelta(days=rng.randrange(max(1, (TODAY - joined).days)))
            reason = STATUS_REASONS[status]
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.95 else ""
        lines.append(
            "\t".join(
                _text(v)
                for v in (
                    mid, name, gender, rng.choice(ethnicities), birth, crypto.encrypt(id_number),
                    id_number_index(id_number), mask_id_number(id_number), rng.choice(educations),
                    rng.choice(occupations), crypto.encrypt(phone) if phone else "",
                    mask_phone(phone) if phone else "", joined, confirmed, category, status, status_date,
                    reason or "", path, stroke, pinyin, initials, now, now, org_id, None,
                )
            )
        )  # fmt: skip
    return "\n".join(lines) + "\n", len(lines), time.perf_counter() - started


def member_counts(n_members: int, n_branches: int, rng: random.Random) -> list[int]:
    """~n/branches members per branch, varying from about half to one and a half times that."""
    return allocate(n_members, [rng.uniform(0.5, 1.5) for _ in range(n_branches)], minimum=0)


def build(env: Env, args) -> dict:
    t_all = time.perf_counter()
    log(f"recreating database {env.db['NAME']} and migrating")
    recreate_database(env, args.locale)
    # A fresh key file for the fresh data: ciphertexts and blind indexes need the same key later.
    shutil.rmtree(env.var_dir / "keys", ignore_errors=True)
    django_setup()
    migrate()
    from django.db import connections

    from dangjian.core.crypto import provider

    provider()  # creates the key file before the pools fork
    connections.close_all()
    t_migrated = time.perf_counter()

    rng = random.Random(args.seed)
    tree = build_tree(args.orgs, rng)
    counts = member_counts(args.members, len(tree.branches), rng)
    by_branch = [(bid, path, n) for (bid, path), n in zip(tree.branches, counts, strict=True)]
    rng.shuffle(by_branch)
    tasks, first_id, chunk = [], 1, 400
    now = datetime.now(UTC).isoformat()
    for i in range(0, len(by_branch), chunk):
        part = by_branch[i : i + chunk]
        tasks.append((args.seed * 1_000_003 + i, first_id, part, now))
        first_id += sum(n for _, _, n in part)

    # Names first, and the derived keys once per distinct name, in a pool.
    NAMES[:] = make_names(args.members, args.seed)
    distinct = sorted(set(NAMES))
    ctx = multiprocessing.get_context("fork")
    t_names = time.perf_counter()
    with ctx.Pool(args.processes) as pool:
        size = max(1, len(distinct) // (args.processes * 8))
        parts = [distinct[i : i + size] for i in range(0, len(distinct), size)]
        for part, derived in zip(parts, pool.map(derive_names, parts), strict=True):
            DERIVED.update(zip(part, derived, strict=True))
    t_derived = time.perf_counter()
    log(
        f"{len(distinct):,} distinct names of {len(NAMES):,}: keys derived in {t_derived - t_names:.1f} s"
    )

    with pg_connect(env) as conn:
        with conn.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '1GB'")
            t0 = time.perf_counter()
            with cur.copy(f"COPY orgs_organization ({', '.join(ORG_COLUMNS)}) FROM STDIN") as cp:
                for row in tree.rows:
                    cp.write_row(row)
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('orgs_organization', 'id'), (SELECT max(id) FROM orgs_organization))"
            )
            conn.commit()
            log(f"{len(tree.rows):,} organisations in {time.perf_counter() - t0:.1f} s")

            # Secondary indexes are built once after the load rather than row by row.
            cur.execute(
                """SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'members_member'
                   AND indexname NOT IN (SELECT conname FROM pg_constraint)"""
            )
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            conn.commit()
            t1 = time.perf_counter()
            rows = 0
            gen_seconds = 0.0
            with ctx.Pool(args.processes) as pool:
                with cur.copy(
                    f"COPY members_member ({', '.join(MEMBER_COLUMNS)}) FROM STDIN"
                ) as cp:
                    for text, n, seconds in pool.imap_unordered(gen_chunk, tasks):
                        cp.write(text)
                        rows += n
                        gen_seconds += seconds
                        if rows % 100_000 < n:
                            log(f"  {rows:,} members")
            conn.commit()  # the deferred foreign-key checks run here
            t2 = time.perf_counter()
            log(
                f"{rows:,} members copied in {t2 - t1:.1f} s ({args.processes} processes, "
                f"{gen_seconds:.1f} s CPU generating and encrypting)"
            )
            for _, definition in indexes:
                cur.execute(definition)
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('members_member', 'id'), (SELECT max(id) FROM members_member))"
            )
            conn.commit()
            t3 = time.perf_counter()
            log(f"{len(indexes)} secondary indexes rebuilt in {t3 - t2:.1f} s")
    NAMES.clear()
    DERIVED.clear()
    with pg_connect(env, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) orgs_organization")
        conn.execute("VACUUM (ANALYZE) members_member")
        t4 = time.perf_counter()
        log(f"VACUUM ANALYZE in {t4 - t3:.1f} s")
        total = time.perf_counter() - t_all
        conn.execute(
            """CREATE TABLE IF NOT EXISTS bench_meta (members int, orgs int, seed int,
               build_seconds float, built_at timestamptz DEFAULT now())"""
        )
        conn.execute(
            "INSERT INTO bench_meta (members, orgs, seed, build_seconds) VALUES (%s, %s, %s, %s)",
            [args.members, args.orgs, args.seed, total],
        )
    log(
        f"build finished in {total:.1f} s (migrate {t_migrated - t_all:.1f} s, names {t_derived - t_names:.1f} s, "
        f"members {t2 - t1:.1f} s, indexes {t3 - t2:.1f} s, vacuum {t4 - t3:.1f} s)"
    )
    return {"members": rows, "orgs": len(tree.rows), "seed": args.seed, "build_seconds": total}


def db_sizes(env: Env) -> list[tuple[str, str]]:
    with pg_connect(env) as conn:
        return conn.execute(
            """SELECT 'database', pg_size_pretty(pg_database_size(current_database()))
               UNION ALL SELECT 'members_member heap', pg_size_pretty(pg_relation_size('members_member'))
               UNION ALL SELECT 'members_member indexes', pg_size_pretty(pg_indexes_size('members_member'))
               UNION ALL SELECT 'orgs_organization (all)', pg_size_pretty(pg_total_relation_size('orgs_organization'))"""
        ).fetchall()


def index_sizes(env: Env) -> list[tuple[str, str]]:
    with pg_connect(env) as conn:
        return conn.execute(
            """SELECT indexrelid::regclass::text, pg_size_pretty(pg_relation_size(indexrelid))
               FROM pg_index WHERE indrelid = 'members_member'::regclass ORDER BY 1"""
        ).fetchall()


# ---------------------------------------------------------------------------------------------
# Users and sessions


@dataclass
class Actors:
    gongwei_id: int
    dangwei_id: int
    dangwei_name: str
    dangwei_members: int
    cookies: dict[str, list[str]]  # username -> one session cookie per client


def make_actors(clients: int) -> Actors:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count
    from django.db.models.functions import Substr

    from dangjian.accounts.models import Grant, User
    from dangjian.accounts.roles import Role
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization, OrgType

    gongwei = Organization.objects.get(org_type=OrgType.WORK_COMMITTEE)
    # The biggest 党委 by members: its admin's list is the heaviest subtree below the 工委.
    dangweis = {o.path: o for o in Organization.objects.filter(org_type=OrgType.PARTY_COMMITTEE)}
    width = len(next(iter(dangweis)))  # every 党委 sits at the same depth here
    sizes = dict(
        Member.objects.annotate(p=Substr("org_path", 1, width))
        .values_list("p")
        .annotate(n=Count("id"))
        .values_list("p", "n")
    )
    dangwei = dangweis[max((p for p in sizes if p in dangweis), key=sizes.get)]
    cookies = {}
    for username, role, org in (
        ("bench_gongwei", Role.WORK_COMMITTEE_ADMIN, gongwei),
        ("bench_dangwei", Role.COMMITTEE_ADMIN, dangwei),
    ):
        user, _ = User.objects.get_or_create(username=username, defaults={"display_name": username})
        user.set_unusable_password()
        user.save()
        Grant.objects.filter(user=user).exclude(role=role, org=org).delete()  # from an earlier run
        Grant.objects.get_or_create(user=user, role=role, org=org)
        # One session per client, as with real users: each request rewrites its session row
        # (IdleTimeoutMiddleware's last_seen), and one shared row would serialise the clients.
        cookies[username] = []
        for _ in range(clients):
            session = SessionStore()
            session[SESSION_KEY] = user._meta.pk.value_to_string(user)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            cookies[username].append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return Actors(gongwei.pk, dangwei.pk, str(dangwei), sizes[dangwei.path], cookies)


# ---------------------------------------------------------------------------------------------
# gunicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: Env, args, port: int) -> subprocess.Popen:
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "dangjian.wsgi:application",
        "-b", f"127.0.0.1:{port}",
        "-k", "gthread",
        "-w", str(args.workers),
        "--threads", str(args.threads),
        "--keep-alive", "30",
        "--backlog", "256",
        "--log-level", "warning",
    ]  # fmt: skip
    child_env = dict(
        os.environ, DATABASE_URL=env.url, DANGJIAN_VAR_DIR=str(env.var_dir), DANGJIAN_DEBUG="0"
    )
    logfile = open(env.var_dir / "gunicorn.log", "w")  # open as long as the server runs
    proc = subprocess.Popen(cmd, env=child_env, stdout=logfile, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited:\n{(env.var_dir / 'gunicorn.log').read_text()}")
        try:
            status, _ = asyncio.run(fetch(port, "/healthz", ""))
            if status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    sys.exit("gunicorn did not answer /healthz within 30 s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------------------------------------
# Load generator: asyncio keep-alive HTTP/1.1 clients (cheaper per request than threads)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length, chunked, close = None, False, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        key, _, value = line.decode("latin-1").partition(":")
        key, value = key.strip().lower(), value.strip().lower()
        if key == "content-length":
            length = int(value)
        elif key == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif key == "connection" and value == "close":
            close = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            parts.append(await reader.readexactly(size))
            await reader.readline()
        body = b"".join(parts)
    elif length is not None:
        body = await reader.readexactly(length)
    else:
        body = await reader.read()
        close = True
    return status, body, close


def _request(path: str, cookie: str) -> bytes:
    head = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nConnection: keep-alive\r\n"
    )
    if cookie:
        head += f"Cookie: {cookie}\r\n"
    return (head + "\r\n").encode()


async def fetch(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(_request(path, cookie))
        status, body, _ = await read_response(reader)
        return status, body
    finally:
        writer.close()


@dataclass
class Result:
    name: str
    path: str
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    non200: int = 0
    errors: int = 0
    cpu: dict[str, float] = field(default_factory=lambda: {"app": 0.0, "db": 0.0, "load": 0.0})

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        s = sorted(self.latencies)
        return s[min(len(s) - 1, max(0, math.ceil(p * len(s)) - 1))] * 1000


async def _client(port, path, cookie, measure_from, end, out):
    request = _request(path, cookie)
    reader = writer = None
    while True:
        if reader is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        t0 = time.perf_counter()
        if t0 >= end:
            break
        try:
            writer.write(request)
            status, _, close = await read_response(reader)
        except (ConnectionError, asyncio.IncompleteReadError, OSError, ValueError, IndexError):
            if t0 >= measure_from:
                out["errors"] += 1
            writer.close()
            reader = writer = None
            continue
        t1 = time.perf_counter()
        if t0 >= measure_from:
            out["lat"].append(t1 - t0)
            if status != 200:
                out["non200"] += 1
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


class CpuMeter:
    """CPU seconds used by gunicorn (master and workers), the bench database's backends and
    this process, read from /proc: where each request's time goes."""

    def __init__(self, env: Env, gunicorn_pid: int):
        self.gunicorn_pid = gunicorn_pid
        self.conn = pg_connect(env, autocommit=True)
        self.tick = os.sysconf("SC_CLK_TCK")

    def _proc_cpu(self, pid: int) -> tuple[int, float] | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / self.tick  # ppid, utime+stime

    def snapshot(self) -> dict[str, dict[int, float]]:
        app = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                got = self._proc_cpu(int(entry.name))
                if got and (int(entry.name) == self.gunicorn_pid or got[0] == self.gunicorn_pid):
                    app[int(entry.name)] = got[1]
        pids = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        db = {pid: got[1] for (pid,) in pids if (got := self._proc_cpu(pid))}
        t = os.times()
        return {"app": app, "db": db, "load": {0: t.user + t.system}}

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        return {k: sum(v - before[k].get(pid, 0.0) for pid, v in after[k].items()) for k in after}

    def close(self) -> None:
        self.conn.close()


async def _run(port, path, cookies, warmup, duration, meter):
    start = time.perf_counter()
    measure_from, end = start + warmup, start + warmup + duration
    out = {"lat": [], "non200": 0, "errors": 0}
    snaps = {}

    async def at_measure_start():
        await asyncio.sleep(warmup)
        snaps["start"] = meter.snapshot()

    clients = [_client(port, path, cookie, measure_from, end, out) for cookie in cookies]
    await asyncio.gather(at_measure_start(), *clients)
    snaps["end"] = meter.snapshot()
    # Requests in flight at `end` finish late; the window is from measure_from to the last finish.
    return (
        out,
        max(duration, time.perf_counter() - measure_from),
        meter.used(snaps["start"], snaps["end"]),
    )


def run_segment(
    result: Result, port: int, cookies: list[str], warmup: float, duration: float, meter: CpuMeter
) -> None:
    out, seconds, cpu = asyncio.run(_run(port, result.path, cookies, warmup, duration, meter))
    result.requests += len(out["lat"])
    result.seconds += seconds
    result.latencies.extend(out["lat"])
    result.non200 += out["non200"]
    result.errors += out["errors"]
    for k, v in cpu.items():
        result.cpu[k] += v


# ---------------------------------------------------------------------------------------------
# Checks of each page before the load: status, the count shown, the queries and their plans

_COUNT_RE = re.compile(r"共\s*([0-9,+]+)\s*人")


def inspect_page(path: str, session_cookie: str, explain: bool) -> list[str]:
    """Render the page in-process (same settings and DB) and report queries, timings and plans."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if session_cookie:
        key, _, value = session_cookie.partition("=")
        client.cookies[key] = value
    client.get(path)  # warm caches (templates, connection)
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        resp = client.get(path)
        elapsed = (time.perf_counter() - t0) * 1000
    lines = [
        f"  {path}: HTTP {resp.status_code}, {len(ctx.captured_queries)} queries, {elapsed:.1f} ms in-process"
    ]
    m = _COUNT_RE.search(resp.content.decode())
    if m:
        lines.append(f"    page says: 共 {m.group(1)} 人")
    for q in ctx.captured_queries:
        sql = q["sql"]
        lines.append(
            f"    {float(q['time']) * 1000:7.2f} ms  {sql[:160]}{'…' if len(sql) > 160 else ''}"
        )
        if explain and "members_member" in sql and sql.lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
                plan = [r[0] for r in cur.fetchall()]
            lines.append("      SQL: " + sql)
            lines.extend("      | " + p for p in plan)
    return lines


# ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=50_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep a database built earlier with the same sizes"
    )
    parser.add_argument("--seed", type=int, default=20240701)
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count() or 2, help="generator processes"
    )
    parser.add_argument(
        "--locale", help="LC_COLLATE/LC_CTYPE of the new database (default: the server's)"
    )
    parser.add_argument(
        "--var-dir", help="DANGJIAN_VAR_DIR for the build and the server (keeps the key file)"
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--duration", type=float, default=20.0, help="measured seconds per scenario (all rounds)"
    )
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="unmeasured seconds before each measurement"
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="interleaved rounds over the scenarios"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--no-explain", action="store_true", help="skip the query plans")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    env = setup_env(args)

    meta = existing_build(env) if args.reuse else None
    key_file = env.var_dir / "keys" / "data.key"
    if meta and (meta["members"], meta["orgs"]) == (args.members, args.orgs) and key_file.exists():
        log(
            f"reusing {env.db['NAME']}: {meta['members']:,} members, {meta['orgs']:,} orgs (built in {meta['build_seconds']:.0f} s)"
        )
        django_setup()
        migrate()
    else:
        if args.reuse:
            log("nothing to reuse (no earlier build with these sizes and key file): building")
        meta = build(env, args)
    sizes = db_sizes(env)
    if args.build_only:
        for k, v in sizes:
            print(f"{k:28s} {v}")
        return 0

    from django.db import connections

    actors = make_actors(args.clients)
    gw, dw = actors.cookies["bench_gongwei"], actors.cookies["bench_dangwei"]
    anon = [""] * args.clients
    scenarios = [
        ("healthz (anonymous)", "/healthz", anon),
        ("healthz (logged in)", "/healthz", gw),
        (
            "党委 full, -joined_on",
            f"/members/?org={actors.dangwei_id}&category=full&sort=-joined_on",
            dw,
        ),
        ("党委 default (stroke)", f"/members/?org={actors.dangwei_id}", dw),
        ("工委 default (stroke)", f"/members/?org={actors.gongwei_id}", gw),
        ("工委 probationary", f"/members/?org={actors.gongwei_id}&category=probationary", gw),
        (
            "工委 full, -joined_on",
            f"/members/?org={actors.gongwei_id}&category=full&sort=-joined_on",
            gw,
        ),
    ]
    log(
        f"党委 under test: {actors.dangwei_name} (id {actors.dangwei_id}, {actors.dangwei_members:,} members)"
    )
    log("each list page rendered once in-process (queries, and plans of the member queries):")
    for _, path, cookies in scenarios[2:]:
        for line in inspect_page(path, cookies[0], not args.no_explain):
            print(line)
    connections.close_all()

    port = free_port()
    log(
        f"gunicorn on :{port}: gthread, {args.workers} workers x {args.threads} threads; {os.cpu_count()} CPUs"
    )
    proc = start_gunicorn(env, args, port)
    results = [Result(name, path) for name, path, _ in scenarios]
    failed = False
    load_before = os.getloadavg()
    try:
        for _, path, cookies in scenarios:
            status, body = asyncio.run(fetch(port, path, cookies[0]))
            shown = _COUNT_RE.search(body.decode("utf-8", "replace"))
            log(
                f"GET {path}: HTTP {status}"
                + (f", page says 共 {shown.group(1)} 人" if shown else "")
            )
            failed |= status != 200
        # Rounds interleave the scenarios, so background load on the machine hits them alike.
        per_round = args.duration / args.rounds
        meter = CpuMeter(env, proc.pid)
        for n in range(args.rounds):
            for result, (_, _, cookies) in zip(results, scenarios, strict=True):
                run_segment(result, port, cookies, args.warmup, per_round, meter)
            log(f"round {n + 1}/{args.rounds} done, load average {os.getloadavg()[0]:.1f}")
        meter.close()
    finally:
        stop_gunicorn(proc)
    load_after = os.getloadavg()

    base, base_logged_in = results[0].rps, results[1].rps
    print()
    print(
        f"members {meta['members']:,} · orgs {meta['orgs']:,} · build {meta['build_seconds']:.0f} s · "
        + " · ".join(f"{k} {v}" for k, v in sizes)
    )
    print(
        "members_member indexes: " + ", ".join(f"{name} {size}" for name, size in index_sizes(env))
    )
    print(
        f"gunicorn gthread {args.workers}x{args.threads} · {args.clients} clients · {args.rounds} rounds x "
        f"({args.warmup:g} s warm-up + {per_round:g} s measured) per scenario · {os.cpu_count()} CPUs shared by "
        f"gunicorn, PostgreSQL and this load generator · load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    header = (
        f"{'scenario':24s} {'requests':>8s} {'req/s':>8s} {'p50 ms':>7s} {'p95 ms':>7s} {'p99 ms':>7s} "
        f"{'non-200':>7s} {'errors':>6s} {'x anon':>7s} {'x login':>7s} {'app ms':>7s} {'db ms':>6s} {'gen ms':>6s}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        label = r.name + " " * (24 - _width(r.name))
        print(
            f"{label} {r.requests:8d} {r.rps:8.1f} {r.pct(0.50):7.1f} {r.pct(0.95):7.1f} {r.pct(0.99):7.1f} "
            f"{r.non200:7d} {r.errors:6d} {r.rps / base:7.2f} {r.rps / base_logged_in:7.2f}"
            + "".join(
                f" {r.cpu[k] * 1000 / max(1, r.requests):{w}.1f}"
                for k, w in (("app", 7), ("db", 6), ("load", 6))
            )
        )
        failed |= bool(r.non200 or r.errors)
    print()
    print(
        "x anon / x login: throughput relative to /healthz without a session / with a session (same clients).\n"
        "app / db / gen ms: CPU time per measured request of gunicorn, of the bench database's backends and\n"
        "of this load generator, during the measured windows."
    )
    lists = results[2:]
    p95_ok = all(r.pct(0.95) < 100 for r in lists)
    print(
        f"target: p95 < 100 ms for every list: {'met' if p95_ok else 'NOT met'}; "
        f">= 0.5 x trivial throughput: {'met' if all(r.rps >= 0.5 * base_logged_in for r in lists) else 'NOT met'} "
        f"against /healthz with a session, {'met' if all(r.rps >= 0.5 * base for r in lists) else 'NOT met'} against "
        "anonymous /healthz"
    )
    return 1 if failed else 0


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


if __name__ == "__main__":
    sys.exit(main())
