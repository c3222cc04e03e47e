"""Build the fictional 示范县 demo: organisations, ~3,000 members, leadership posts, accounts.

Everything is drawn from one ``random.Random(seed)``, so a build is reproducible for a given seed
and day (ages and dates are counted back from today so the demo never looks stale).

Member attributes follow the 2024 党内统计公报 (RULES.md 6.4) as exact quotas over the whole
county (largest-remainder rounding), then assigned to people with weights that make the county
look like an agency system: who is a woman, who has a college degree and who has retired depends
on the unit (hospital, school, police, road maintenance …) and on age.

* women 30.9 %, ethnic minorities 7.7 % (mostly 畲族), 大专及以上 57.6 %: exact quotas;
* the eight age bands: exact quotas;
* occupations: NOT the bulletin's shares. An agency county has no villages, so the bulletin's 26 %
  农牧渔民 would be absurd. Our choice: everyone aged 61+ (28.9 %, the bulletin's band) and about
  half the women aged 56-60 are 离退休人员; working members take the occupations of their unit
  (机关 → 党政机关工作人员, schools and hospitals → 专业技术人员 and 企事业单位管理人员, …). At the
  default size that gives about 33 % 党政机关工作人员, 30 % 离退休人员, 20 % 专业技术人员, 7 % 工人,
  6 % 企事业单位管理人员, 3 % 其他职业人员, under 1 % 农牧渔民 (one 合作社 joint branch) and a
  handful of 学生 (职业中专) — all eight categories present;
* about 2.5 % 预备党员 (joined within the last year, no 转正 date); full members joined at 18 or
  later and were confirmed exactly one year after joining.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from operator import or_

from auditlog.context import disable_auditlog
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, ProtectedError, Q, RestrictedError
from django.utils import timezone

from dangjian.accounts.models import Grant, User
from dangjian.accounts.roles import Role
from dangjian.core.audit import record_event
from dangjian.demo import county as shape
from dangjian.demo.names import MINORITY_WEIGHTS, make_name
from dangjian.members.choices import (
    COLLEGE_OR_ABOVE,
    Education,
    Gender,
    MemberCategory,
    MemberStatus,
    Occupation,
)
from dangjian.members.idnumber import check_id_number, make_id_number
from dangjian.members.models import Member
from dangjian.members.services import MemberData, _add_years, apply_member_data
from dangjian.orgs.models import (
    Organization,
    OrgChangeRequest,
    OrgType,
    Portfolio,
    Post,
    PostKind,
    RequestKind,
    Sector,
)
from dangjian.orgs.services import create_organization, submit_request

PASSWORD = "demo12345"
MIN_MEMBERS = 200

# 2024 bulletin (RULES.md 6.4), in 万.
TOTAL = 10027.1
WOMEN = 3099.5
MINORITIES = 773.4
COLLEGE = 5778.6
# (lowest age, highest age, members in 万): ≤30, 31–35, …, 56–60, ≥61.
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (18, 30, 1227.2),
    (31, 35, 1076.4),
    (36, 40, 1147.5),
    (41, 45, 968.7),
    (46, 50, 904.1),
    (51, 55, 941.2),
    (56, 60, 864.6),
    (61, 96, 2897.3),
)
PROBATIONARY_SHARE = 0.025
OLD_IN_RETIRED_BRANCHES = 0.62  # the rest of the retired stay in their former unit's branch

# Where IDs were issued. stdnum knows a region code only for the years it existed, so people
# born up to 1983 get the 三明地区 codes (3527xx) and later births the 三明市 codes (3504xx).
_REGIONS_NEW = {
    "350424": 80,  # 宁化县
    "350421": 3,  # 明溪县
    "350423": 4,  # 清流县
    "350425": 2,  # 大田县
    "350426": 2,  # 尤溪县
    "350428": 2,  # 将乐县
    "350429": 2,  # 泰宁县
    "350430": 3,  # 建宁县
    "350402": 1,  # 梅列区 (to 2021)
    "350403": 1,  # 三元区 (to 2021)
}
_REGIONS_OLD = {
    "352724": 82,  # 宁化县 (三明地区)
    "352721": 3,  # 明溪县
    "352723": 4,  # 清流县
    "352725": 2,  # 大田县
    "352726": 2,  # 尤溪县
    "352728": 2,  # 将乐县
    "352729": 2,  # 泰宁县
    "352730": 3,  # 建宁县
}
_MOBILE_PREFIXES = (
    "133 135 136 137 138 139 150 151 152 158 159 180 181 182 186 187 188 189 199".split()
)

# Occupation mix of working members by unit profile (see the module docstring).
_OCCUPATIONS: dict[str, dict[str, float]] = {
    "organ": {Occupation.OFFICIAL: 0.9, Occupation.WORKER: 0.06, Occupation.OTHER: 0.04},
    "police": {Occupation.OFFICIAL: 0.95, Occupation.WORKER: 0.03, Occupation.OTHER: 0.02},
    "school": {Occupation.PROFESSIONAL: 0.84, Occupation.MANAGER: 0.10, Occupation.WORKER: 0.04,
               Occupation.OTHER: 0.02},
    "vocational": {Occupation.PROFESSIONAL: 0.84, Occupation.MANAGER: 0.10,
                   Occupation.WORKER: 0.04, Occupation.OTHER: 0.02},
    "hospital": {Occupation.PROFESSIONAL: 0.80, Occupation.MANAGER: 0.10, Occupation.WORKER: 0.08,
                 Occupation.OTHER: 0.02},
    "institution": {Occupation.PROFESSIONAL: 0.45, Occupation.MANAGER: 0.30,
                    Occupation.WORKER: 0.12, Occupation.OTHER: 0.13},
    "workers": {Occupation.WORKER: 0.72, Occupation.MANAGER: 0.13, Occupation.PROFESSIONAL: 0.15},
    "farmers": {Occupation.FARMER: 0.85, Occupation.MANAGER: 0.10, Occupation.OTHER: 0.05},
    "retired": {Occupation.RETIRED: 1.0},
}  # fmt: skip
_STUDENT_SHARE = 0.25  # of the 职业中专 branch

_ACCOUNTS = (
    # username, role, node key, display name
    ("admin", Role.SYSTEM_ADMIN, "county", "系统管理员（演示）"),
    ("gongwei", Role.WORK_COMMITTEE_ADMIN, "gongwei", "工委管理员（演示）"),
    ("dangwei", Role.COMMITTEE_ADMIN, "dangwei", "党委管理员（演示）"),
    ("zhibu", Role.BRANCH_SECRETARY, "zhibu", "支部书记（演示）"),
    ("zhibu2", Role.BRANCH_SECRETARY, "zhibu2", "支部书记（演示·另一党委）"),
    ("dangyuan", Role.MEMBER, "zhibu", "党员（演示）"),
    ("shenji", Role.AUDITOR, "gongwei", "审计员（演示）"),
)


class DemoError(Exception):
    """The demo cannot be built as asked (data exists, or the target is too small)."""


@dataclass
class DemoAccount:
    username: str
    role: str
    org: str
    password: str = PASSWORD


@dataclass
class DemoSummary:
    seed: int
    org_counts: dict[str, int]  # OrgType label -> count
    members: int
    status_counts: dict[str, int]  # MemberStatus label -> count
    probationary: int
    women: int
    minorities: int
    college: int
    posts: int
    pending_requests: int
    accounts: list[DemoAccount]
    seconds: float = 0.0
    # Per lifecycle module (发展党员, 组织关系接转, 党籍): the records its populate_demo made.
    lifecycle: dict[str, dict[str, int]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"演示数据已建立（虚构的示范县，随机种子 {self.seed}，用时 {self.seconds:.1f} 秒）。",
            "",
        ]
        out.append(
            "党组织：" + "，".join(f"{label} {n} 个" for label, n in self.org_counts.items())
        )

        def share(n: int) -> str:
            return f"{100 * n / self.members:.1f}%" if self.members else "—"

        out.append(
            f"党员：{self.members} 名（"
            + "，".join(f"{label} {n}" for label, n in self.status_counts.items())
            + f"；预备党员 {self.probationary}）"
        )
        out.append(
            f"      女性 {share(self.women)}，少数民族 {share(self.minorities)}，"
            f"大专及以上 {share(self.college)}"
        )
        out.append(f"职务：{self.posts} 条；待审批的组织设置申请：{self.pending_requests} 件")
        for module, counts in self.lifecycle.items():
            out.append(f"{module}：" + "，".join(f"{label} {n}" for label, n in counts.items()))
        out.append("")
        out.append("演示账号（仅用于演示环境）：")
        rows = [("用户名", "角色", "授权组织", "密码")] + [
            (a.username, a.role, a.org, a.password) for a in self.accounts
        ]
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = (_pad(cell, w) for cell, w in zip(row, widths, strict=True))
            out.append(("  " + "  ".join(cells)).rstrip())
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


# --- helpers ------------------------------------------------------------------------------------


def quotas(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` by largest remainder (sums exactly)."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    counts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _allocate(total: int, weights: list[int], minimum: int) -> list[int]:
    base = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    if rest < 0:
        raise DemoError(f"党员人数太少（{total}），不足以为每个支部配备{minimum}名党员。")
    extra = quotas(rest, [max(w, 0.01) for w in weights]) if weights else []
    return [b + e for b, e in zip(base, extra, strict=True)]


def _weighted_sample(rng: random.Random, weights: list[float], k: int) -> set[int]:
    """k distinct indices, each drawn with probability proportional to its weight (A-ES keys)."""
    keyed = [(rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0]
    keyed.sort(reverse=True)
    return {i for _, i in keyed[:k]}


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _days_ago(today: date, lo: int, hi: int, rng: random.Random) -> date:
    return today - timedelta(days=rng.randint(lo, hi))


# --- plan ---------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Leaf:
    org: Organization
    spec: shape.BranchSpec
    committee: int  # index into the built committees
    size: int = 0
    people: list[_Person] = field(default_factory=list)


@dataclass(eq=False)
class _Person:
    leaf: _Leaf
    age: int = 0
    student: bool = False
    gender: str = Gender.MALE
    occupation: str = Occupation.OFFICIAL
    college: bool = False
    education: str = ""
    ethnicity: str = "汉族"
    probationary: bool = False
    status: str = MemberStatus.NORMAL
    status_date: date | None = None
    status_reason: str = ""
    member: Member | None = None

    @property
    def working(self) -> bool:
        return self.occupation != Occupation.RETIRED

    @property
    def eligible(self) -> bool:  # may hold a post: a full member in good standing
        return not self.probationary and self.status == MemberStatus.NORMAL


class _Builder:
    def __init__(self, *, seed: int, members_target: int, stdout) -> None:
        if members_target < MIN_MEMBERS:
            raise DemoError(f"演示党员人数至少为{MIN_MEMBERS}名。")
        self.rng = random.Random(seed)
        self.seed = seed
        self.n = members_target
        self.stdout = stdout
        self.today = timezone.localdate()
        self.nodes: dict[str, Organization] = {}
        self.committees: list[tuple[shape.CommitteeSpec, Organization]] = []
        self.generals: list[Organization] = []
        self.leaves: list[_Leaf] = []
        self.people: list[_Person] = []
        self.posts: list[Post] = []

    def say(self, text: str) -> None:
        if self.stdout is not None:  # a command's OutputWrapper or any text stream
            self.stdout.write(text + "\n")

    # organisations ------------------------------------------------------------------------------

    def _org(
        self,
        parent,
        code: str,
        name: str,
        short: str,
        org_type: str,
        sector: str,
        unit: str,
        founded: date | None,
    ) -> Organization:
        fields = {
            "name": name,
            "short_name": short,
            "code": code,
            "org_type": org_type,
            "sector": sector,
            "unit_name": unit,
            "founded_on": founded,
        }
        return create_organization(parent=parent, fields=fields)

    def _founded_after(self, start: date) -> date:
        end = min(self.today - timedelta(days=400), date(2022, 12, 31))
        span = max((end - start).days, 0)
        return start + timedelta(days=self.rng.randint(0, span))

    def _keep(self, units: tuple) -> list:
        """Small builds keep each 党委's first units and every unit the demo needs by name."""
        share = min(1.0, self.n / 3000)
        k = max(2, math.ceil(len(units) * share))
        return [u for i, u in enumerate(units) if i < k or "core" in u.tags]

    def build_tree(self) -> None:
        county = self._org(
            None,
            "SF",
            shape.COUNTY_NAME,
            shape.COUNTY_SHORT,
            OrgType.COUNTY_COMMITTEE,
            Sector.ORGAN,
            "中共示范县委员会",
            date(1949, 10, 1),
        )
        gongwei = self._org(
            county,
            "SF01",
            shape.WORK_COMMITTEE_NAME,
            shape.WORK_COMMITTEE_SHORT,
            OrgType.WORK_COMMITTEE,
            Sector.ORGAN,
            shape.WORK_COMMITTEE_NAME,
            date(2002, 3, 1),
        )
        self.nodes.update(county=county, gongwei=gongwei)
        for ci, cspec in enumerate(shape.COMMITTEES, start=1):
            code = f"SF01{ci:02d}"
            committee = self._org(
                gongwei,
                code,
                cspec.name,
                cspec.short,
                OrgType.PARTY_COMMITTEE,
                Sector.ORGAN,
                cspec.dept,
                cspec.founded,
            )
            self.committees.append((cspec, committee))
            if ci == 1:
                self.nodes["dangwei"] = committee
            for ui, unit in enumerate(self._keep(cspec.units), start=1):
                ucode = f"{code}{ui:02d}"
                if isinstance(unit, shape.GeneralSpec):
                    general = self._org(
                        committee,
                        ucode,
                        shape.full_name(unit.short),
                        unit.short,
                        OrgType.GENERAL_BRANCH,
                        unit.sector,
                        unit.unit,
                        self._founded_after(cspec.founded),
                    )
                    self.generals.append(general)
                    for bi, bspec in enumerate(unit.branches, start=1):
                        self._branch(general, f"{ucode}{bi:02d}", bspec, cspec, ci - 1)
                else:
                    self._branch(committee, ucode, unit, cspec, ci - 1)

    def _branch(self, parent, code, bspec: shape.BranchSpec, cspec, ci: int) -> None:
        sector = bspec.sector or shape.PROFILE_SECTOR[bspec.profile]
        if bspec.unit:
            unit = bspec.unit
        elif bspec.profile in ("organ", "police", "retired"):
            # Agency offices and retirees' branches belong to the department (or the 总支's unit).
            unit = parent.unit_name if parent.org_type == OrgType.GENERAL_BRANCH else cspec.dept
        else:
            unit = shape.unit_of(bspec.short)
        founded = self._founded_after(max(cspec.founded, parent.founded_on or cspec.founded))
        org = self._org(
            parent,
            code,
            shape.full_name(bspec.short),
            bspec.short,
            bspec.org_type,
            sector,
            unit,
            founded,
        )
        for tag in bspec.tags - {"core"}:
            self.nodes[tag] = org
        for gi in range(bspec.groups):
            label = "第" + "一二三四五"[gi] + "党小组"
            self._org(
                org,
                f"{code}{gi + 1:02d}",
                f"{bspec.short}{label}",
                f"{bspec.short}{label}",
                OrgType.GROUP,
                sector,
                unit,
                founded,
            )
        self.leaves.append(_Leaf(org, bspec, ci))

    # people -------------------------------------------------------------------------------------

    def size_branches(self) -> None:
        special = {"empty": 0, "tiny": 2, "large": 56 if self.n >= 1500 else 52}
        retired = [leaf for leaf in self.leaves if leaf.spec.profile == "retired"]
        working = [
            leaf
            for leaf in self.leaves
            if leaf.spec.profile != "retired" and not (leaf.spec.tags & special.keys())
        ]
        for leaf in self.leaves:
            for tag in leaf.spec.tags & special.keys():
                leaf.size = special[tag]
        self.age_quota = quotas(self.n, [band[2] for band in AGE_BANDS])
        old_in_retired = round(self.age_quota[-1] * OLD_IN_RETIRED_BRANCHES) if retired else 0
        for leaf, size in zip(
            retired,
            _allocate(old_in_retired, [leaf.spec.weight for leaf in retired], 3),
            strict=True,
        ):
            leaf.size = size
        rest = self.n - sum(leaf.size for leaf in self.leaves)
        for leaf, size in zip(
            working, _allocate(rest, [leaf.spec.weight for leaf in working], 3), strict=True
        ):
            leaf.size = size

    def make_people(self) -> None:
        rng = self.rng
        for leaf in self.leaves:
            students = round(leaf.size * _STUDENT_SHARE) if leaf.spec.profile == "vocational" else 0
            leaf.people = [_Person(leaf, student=i < students) for i in range(leaf.size)]
            self.people.extend(leaf.people)
        # Ages: exact band quotas; retired branches draw the oldest band, students the youngest.
        left = list(self.age_quota)
        rest: list[_Person] = []
        for p in self.people:
            band = -1
            if p.leaf.spec.profile == "retired":
                band = len(AGE_BANDS) - 1
            elif p.student:
                band = 0
            if band < 0 or left[band] == 0:
                rest.append(p)
                continue
            left[band] -= 1
            p.age = self._age_in(band, p)
        pool = [band for band, n in enumerate(left) for _ in range(n)]
        rng.shuffle(pool)
        for p, band in zip(rest, pool, strict=True):
            p.age = self._age_in(band, p)
        self._assign_gender()
        for p in self.people:
            p.occupation = self._occupation(p)
        self._assign_education()
        for i in _weighted_sample(rng, [1.0] * len(self.people), self._quota(MINORITIES)):
            self.people[i].ethnicity = _pick(rng, MINORITY_WEIGHTS)
        self._assign_probationary()
        self._assign_statuses()

    def _quota(self, value: float) -> int:
        return round(self.n * value / TOTAL)

    def _age_in(self, band: int, p: _Person) -> int:
        rng = self.rng
        lo, hi, _ = AGE_BANDS[band]
        if p.student:
            return rng.randint(18, 20)
        if band == 0:
            return rng.choices(range(22, 31), weights=range(1, 10))[0]
        if band == len(AGE_BANDS) - 1:
            ages = range(lo, hi + 1)
            return rng.choices(
                ages,
                weights=[6 if a <= 70 else 4 if a <= 78 else 2 if a <= 86 else 0.5 for a in ages],
            )[0]
        return rng.randint(lo, hi)

    def _assign_gender(self) -> None:
        def weight(p: _Person) -> float:
            profile = p.leaf.spec.profile
            if profile == "retired" or p.age >= 61:
                return 0.5 if p.age >= 80 else 0.8
            return {
                "hospital": 3.0,
                "school": 2.3,
                "vocational": 2.0,
                "institution": 1.4,
                "organ": 0.9,
                "police": 0.3,
                "workers": 0.35,
                "farmers": 0.5,
            }[profile]

        chosen = _weighted_sample(self.rng, [weight(p) for p in self.people], self._quota(WOMEN))
        for i, p in enumerate(self.people):
            p.gender = Gender.FEMALE if i in chosen else Gender.MALE

    def _occupation(self, p: _Person) -> str:
        if p.student:
            return Occupation.STUDENT
        if p.age >= 61 or p.leaf.spec.profile == "retired":
            return Occupation.RETIRED
        # Women in these posts commonly retire at 55 (some at 50, cadres at 60).
        if p.gender == Gender.FEMALE and p.age >= 56 and self.rng.random() < 0.5:
            return Occupation.RETIRED
        mix = _OCCUPATIONS[p.leaf.spec.profile]
        return _pick(self.rng, mix)

    def _assign_education(self) -> None:
        rng = self.rng
        base = {
            Occupation.PROFESSIONAL: 9,
            Occupation.OFFICIAL: 5,
            Occupation.MANAGER: 4,
            Occupation.OTHER: 1.2,
            Occupation.WORKER: 0.5,
            Occupation.FARMER: 0.25,
            Occupation.STUDENT: 0,
            Occupation.RETIRED: 1.0,
        }

        def weight(p: _Person) -> float:
            w = base[p.occupation]
            if p.occupation == Occupation.RETIRED:
                w = 1.2 if p.age <= 70 else 0.5 if p.age <= 80 else 0.2
            return w * (1.6 if p.age <= 40 else 1.0)

        college = _weighted_sample(rng, [weight(p) for p in self.people], self._quota(COLLEGE))
        for i, p in enumerate(self.people):
            p.college = i in college
            if p.college:
                mix = (
                    (12, 78, 10)
                    if p.age <= 35
                    else (6, 64, 30)
                    if p.age <= 50
                    else (2, 45, 53)
                    if p.age <= 60
                    else (1, 35, 64)
                )
                p.education = rng.choices(
                    (Education.POSTGRADUATE, Education.BACHELOR, Education.ASSOCIATE), weights=mix
                )[0]
            elif p.student:
                p.education = Education.SECONDARY_VOCATIONAL
            else:
                mix = (45, 40, 15) if p.age <= 40 else (35, 40, 25) if p.age <= 60 else (20, 35, 45)
                p.education = rng.choices(
                    (
                        Education.SECONDARY_VOCATIONAL,
                        Education.HIGH_SCHOOL,
                        Education.JUNIOR_OR_BELOW,
                    ),
                    weights=mix,
                )[0]

    def _assign_probationary(self) -> None:
        def weight(p: _Person) -> float:
            if not p.working or "tiny" in p.leaf.spec.tags or p.age > 45:
                return 0
            return 6 if p.student else 5 if p.age <= 30 else 3 if p.age <= 35 else 1

        for i in _weighted_sample(
            self.rng, [weight(p) for p in self.people], round(self.n * PROBATIONARY_SHARE)
        ):
            self.people[i].probationary = True

    def _assign_statuses(self) -> None:
        """A few records that are no longer 正常: the record stays, with a date and reason."""
        rng = self.rng
        scale = 1 if self.n < 1000 else 2
        plain = [
            p
            for p in self.people
            if not p.probationary and not (p.leaf.spec.tags & {"tiny", "zhibu", "large"})
        ]
        old = [p for p in plain if p.age >= 78]
        working = [p for p in plain if p.working and 28 <= p.age <= 55 and not p.student]
        cases = [
            (old, MemberStatus.DECEASED, ["因病医治无效去世", "因病去世", "因年老病故"], scale + 1),
            (
                working,
                MemberStatus.LEFT,
                ["受到开除党籍处分", "长期不参加组织生活，经教育仍无转变，予以除名"],
                scale,
            ),
            (working, MemberStatus.SUSPENDED, ["与党组织失去联系超过6个月，按规定停止党籍"], 1),
        ]
        for group, status, reasons, n in cases:
            candidates = [p for p in group if p.status == MemberStatus.NORMAL]
            for p in rng.sample(candidates, min(n, len(candidates))):
                p.status = status
                p.status_date = _days_ago(self.today, 20, 300, rng)
                p.status_reason = rng.choice(reasons)

    # records ------------------------------------------------------------------------------------

    def _birth(self, age: int) -> date:
        anniversary = _add_years(self.today, -age)
        return anniversary - timedelta(days=self.rng.randint(0, 364))

    def _joined(self, p: _Person, birth: date) -> tuple[date, date | None, bool]:
        """(joined_on, confirmed_on, probationary); full members were confirmed a year later."""
        rng = self.rng
        earliest = _add_years(birth, 18)
        latest_full = _add_years(self.today, -1) - timedelta(days=1)
        if not p.probationary and earliest <= latest_full:
            spread = 22 if p.age >= 61 else 17
            join_age = 18 + int(rng.triangular(0, spread, 5 if p.age >= 30 else 3))
            joined = _add_years(birth, join_age) + timedelta(days=rng.randint(0, 364))
            if rng.random() < 0.3:  # many are admitted around 七一
                july = date(joined.year, 7, 1)
                joined = july if july >= earliest else joined
            joined = max(earliest, min(joined, latest_full))
            return joined, _add_years(joined, 1), False
        low = max(earliest, self.today - timedelta(days=360))
        high = self.today - timedelta(days=10)
        joined = low + timedelta(days=rng.randint(0, max((high - low).days, 0)))
        return min(joined, self.today), None, True

    def _phone(self, p: _Person) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.02:
            return ""
        if p.age >= 70 and roll < 0.2:
            return f"0598-6{rng.randint(0, 999999):06d}"
        return rng.choice(_MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"

    def make_members(self) -> None:
        rng = self.rng
        seen: set[str] = set()
        members = []
        for p in self.people:
            birth = self._birth(p.age)
            regions = _REGIONS_OLD if birth.year <= 1983 else _REGIONS_NEW
            region = _pick(rng, regions)
            number = make_id_number(region, birth, rng.randint(1, 999), p.gender)
            while number in seen:
                number = make_id_number(region, birth, rng.randint(1, 999), p.gender)
            seen.add(number)
            joined, confirmed, probationary = self._joined(p, birth)
            p.probationary = probationary
            raw = {
                "name": make_name(
                    rng, gender=p.gender, birth_year=birth.year, ethnicity=p.ethnicity
                ),
                "gender": p.gender,
                "ethnicity": p.ethnicity,
                "birth_date": birth,
                "id_number": number,
                "education": p.education,
                "occupation": p.occupation,
                "phone": self._phone(p),
                "joined_on": joined,
                "confirmed_on": confirmed,
                "category": MemberCategory.PROBATIONARY if probationary else MemberCategory.FULL,
            }
            # The values are generated from the official code lists, so instead of the full
            # clean_member_data() (three times slower: label look-ups and one query per row) the
            # ID number alone is re-checked; the encryption, blind index, masks and sort keys are
            # apply_member_data()'s, exactly as for a form or an import row.
            check_id_number(number, birth_date=birth, gender=p.gender)
            member = apply_member_data(Member(org=p.leaf.org), MemberData(**raw))
            if p.status != MemberStatus.NORMAL:
                # Nobody is confirmed after leaving: keep the status after both dates.
                p.status_date = max(p.status_date, confirmed or joined)
                member.status, member.status_date = p.status, p.status_date
                member.status_reason = p.status_reason
            p.member = member
            members.append(member)
        Member.objects.bulk_create(members, batch_size=500)

    # posts --------------------------------------------------------------------------------------

    def _term(self, years: int) -> tuple[date, date]:
        if years == 5:
            start = _days_ago(self.today, 60, 5 * 365 - 20, self.rng)
        else:  # about one branch in twelve is overdue for 换届
            start = _days_ago(self.today, 30, 3 * 365 + 90, self.rng)
        return start, _add_years(start, years)

    def _choose(self, candidates: list[_Person], weight, k: int, exclude=()) -> list[_Person]:
        pool = [p for p in candidates if p.eligible and p not in exclude]
        # Anyone eligible may serve if nobody fits the profile (a tiny weight, never zero).
        chosen = _weighted_sample(self.rng, [max(weight(p), 0.001) for p in pool], k)
        return [pool[i] for i in sorted(chosen, key=lambda i: self.rng.random())]

    def _post(self, org, person: _Person, kind: str, term: tuple[date, date], portfolio="") -> None:
        self.posts.append(
            Post(
                org=org,
                member=person.member,
                kind=kind,
                portfolio=portfolio,
                term_start=term[0],
                term_end=term[1],
            )
        )

    @staticmethod
    def _leader_weight(p: _Person, lo: int = 32, hi: int = 58) -> float:
        if not p.working or p.student:
            return 0
        w = 3.0 if p.occupation in (Occupation.OFFICIAL, Occupation.MANAGER) else 1.0
        return w if lo <= p.age <= hi else 0.05

    def make_posts(self) -> None:
        portfolios = (Portfolio.ORGANISATION, Portfolio.PROPAGANDA, Portfolio.DISCIPLINE)
        for leaf in self.leaves:
            full = [p for p in leaf.people if p.eligible]
            if not full:
                continue
            term = self._term(3)
            if leaf.spec.profile == "retired":

                def weight(p):
                    return 2.0 if 61 <= p.age <= 74 else 0.2
            else:
                weight = self._leader_weight
            team = self._choose(full, weight, 4 if len(full) >= 7 else 1)
            secretary, committee = team[0], team[1:]
            if "nosecretary" in leaf.spec.tags:
                self._former_secretary(leaf, term)
            else:
                self._post(leaf.org, secretary, PostKind.SECRETARY, term)
            for person, portfolio in zip(committee, portfolios, strict=False):
                self._post(leaf.org, person, PostKind.MEMBER, term, portfolio)
        for general in self.generals:
            people = [
                p
                for leaf in self.leaves
                if leaf.org.path.startswith(general.path)
                for p in leaf.people
            ]
            term = self._term(3)
            team = self._choose(people, self._leader_weight, 5)
            if not team:
                continue
            self._post(general, team[0], PostKind.SECRETARY, term)
            for person, portfolio in zip(team[1:], (*portfolios, ""), strict=False):
                self._post(general, person, PostKind.MEMBER, term, portfolio)
        for ci, (cspec, committee) in enumerate(self.committees):
            people = [p for leaf in self.leaves if leaf.committee == ci for p in leaf.people]
            term = self._term(5)
            secretary = self._choose(people, lambda p: self._leader_weight(p, 45, 58), 1)
            deputy = (
                self._choose(people, lambda p: self._leader_weight(p, 40, 57), 1, secretary)
                if cspec.deputy
                else []
            )
            leaders = secretary + deputy
            available = sum(1 for p in people if p.eligible and p not in leaders)
            members = self._choose(
                people,
                self._leader_weight,
                min(cspec.committee_members, max(available - 2, 0)),
                leaders,
            )
            if secretary:
                self._post(committee, secretary[0], PostKind.SECRETARY, term)
            if deputy:
                self._post(committee, deputy[0], PostKind.DEPUTY, term)
            for i, person in enumerate(members):
                portfolio = portfolios[i] if i < len(portfolios) else ""
                self._post(committee, person, PostKind.MEMBER, term, portfolio)
        self._work_committee_posts()
        Post.objects.bulk_create(self.posts, batch_size=500)

    def _work_committee_posts(self) -> None:
        """The 工委's own 书记, 副书记 and 委员: appointed by the 县委 (not elected, so no 换届), drawn
        from the 党委 leaders' departments; their membership stays in their own branches. A separate
        random stream keeps the rest of the county as it was."""
        rng = random.Random(7331)
        held = {post.member.pk for post in self.posts}
        pool = [
            p
            for leaf in self.leaves
            for p in leaf.people
            if p.eligible and p.member.pk not in held and self._leader_weight(p, 40, 58) > 1
        ]
        if len(pool) < 6:
            return
        people = rng.sample(sorted(pool, key=lambda p: p.member.pk), 6)
        start = self.today.replace(year=self.today.year - 2, month=3, day=1)
        term = (start, _add_years(start, 5))
        gongwei = self.nodes["gongwei"]
        self._post(gongwei, people[0], PostKind.SECRETARY, term)
        self._post(gongwei, people[1], PostKind.DEPUTY, term)
        portfolios = (Portfolio.ORGANISATION, Portfolio.PROPAGANDA, Portfolio.DISCIPLINE, "")
        for person, portfolio in zip(people[2:], portfolios, strict=True):
            self._post(gongwei, person, PostKind.MEMBER, term, portfolio)

    def _former_secretary(self, leaf: _Leaf, term: tuple[date, date]) -> None:
        """The secretary left for another department two months ago; no successor yet."""
        elsewhere = [
            p
            for other in self.leaves
            if other.committee != leaf.committee and other.spec.profile == "organ"
            for p in other.people
        ]
        former = self._choose(elsewhere, self._leader_weight, 1)
        if not former:
            return
        dest = former[0].leaf.org
        self.posts.append(
            Post(
                org=leaf.org,
                member=former[0].member,
                kind=PostKind.SECRETARY,
                term_start=term[0],
                term_end=term[1],
                ended_on=self.today - timedelta(days=62),
                ended_reason=f"工作调动，组织关系转入{dest.short_name}",
            )
        )

    # accounts and requests ----------------------------------------------------------------------

    def make_accounts(self) -> list[DemoAccount]:
        out = []
        self.users: dict[str, User] = {}
        # One Argon2 hash for all the demo accounts (they share the published demo password;
        # hashing seven times would cost two seconds for nothing).
        password = make_password(PASSWORD)
        for username, role, key, display in _ACCOUNTS:
            node = self.nodes[key]
            user = User.objects.create(username=username, password=password, display_name=display)
            Grant.objects.create(user=user, role=role, org=node)
            self.users[username] = user
            out.append(DemoAccount(username, Role(role).label, node.short_name or node.name))
        zhibu = next(leaf for leaf in self.leaves if leaf.org == self.nodes["zhibu"])
        holders = {post.member.pk for post in self.posts}
        plain = [p for p in zhibu.people if p.eligible and p.member.pk not in holders]
        person = self.rng.choice(plain or [p for p in zhibu.people if p.eligible])
        person.member.user = self.users["dangyuan"]
        person.member.save(update_fields=["user"])
        self.users["dangyuan"].display_name = f"党员{person.member.name}（演示）"
        self.users["dangyuan"].save(update_fields=["display_name"])
        return out

    def make_requests(self) -> None:
        actor = self.users["dangwei"]
        committee = Organization.objects.get(pk=self.nodes["dangwei"].pk)  # fresh numchild
        reqs = [
            submit_request(
                actor=actor,
                kind=RequestKind.MOVE,
                org=self.nodes["move"],
                target=committee,
                reason="县委党史研究室与县地方志编纂委员会办公室合署办公，党员人数增加，"
                "拟由直属单位党总支调整为县委办党委直接管理。",
            ),
            submit_request(
                actor=actor,
                kind=RequestKind.CREATE,
                org=committee,
                reason="县委网络安全和信息化委员会办公室单独设置，现有正式党员5名，"
                "根据《中国共产党支部工作条例（试行）》第五条申请成立党支部。",
                payload={
                    "name": "中共示范县委网络安全和信息化委员会办公室支部委员会",
                    "short_name": "县委网信办党支部",
                    "code": f"{committee.code}{committee.numchild + 1:02d}",
                    "org_type": OrgType.BRANCH,
                    "sector": Sector.ORGAN,
                    "unit_name": "中共示范县委网络安全和信息化委员会办公室",
                    "founded_on": "",
                },
            ),
            submit_request(
                actor=actor,
                kind=RequestKind.DISSOLVE,
                org=self.nodes["empty"],
                reason="机构改革后信息科并入县委办公室综合科，原有党员已全部转入机关第一党支部，"
                "申请撤销该党支部。",
            ),
        ]
        for days, req in zip((12, 6, 2), reqs, strict=True):
            OrgChangeRequest.objects.filter(pk=req.pk).update(
                requested_at=timezone.now() - timedelta(days=days, hours=self.rng.randint(0, 8))
            )

    def summary(self, accounts: list[DemoAccount]) -> DemoSummary:
        org_counts = dict(
            Organization.objects.values_list("org_type").annotate(n=Count("id")).order_by()
        )
        status = dict(Member.objects.values_list("status").annotate(n=Count("id")).order_by())
        members = Member.objects.all()
        return DemoSummary(
            seed=self.seed,
            org_counts={t.label: org_counts[t.value] for t in OrgType if org_counts.get(t.value)},
            members=members.count(),
            status_counts={s.label: status[s.value] for s in MemberStatus if status.get(s.value)},
            probationary=members.filter(category=MemberCategory.PROBATIONARY).count(),
            women=members.filter(gender=Gender.FEMALE).count(),
            minorities=members.exclude(ethnicity="汉族").count(),
            college=members.filter(education__in=COLLEGE_OR_ABOVE).count(),
            posts=Post.objects.count(),
            pending_requests=OrgChangeRequest.objects.filter(status="pending").count(),
            accounts=accounts,
        )


# --- entry points -------------------------------------------------------------------------------


def project_models() -> list:
    """The concrete models of our own apps whose tables exist (migrated)."""
    tables = set(connection.introspection.table_names())
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("dangjian.")
        for model in config.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.db_table in tables
    ]


@transaction.atomic
def wipe_project_data() -> int:
    """Delete every row of our own apps (demo environments only). The audit log is kept.

    Models are emptied in whatever order the database's protections allow.
    """
    Organization.objects.update(merged_into=None)
    remaining = [m for m in project_models() if m._base_manager.exists()]
    deleted = 0
    for model in remaining:  # ledgers: corrections name the entry they correct; remove them first
        own = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and f.null and f.related_model is model
        ]
        if own:
            linked = model._base_manager.filter(
                reduce(or_, (Q(**{f"{name}__isnull": False}) for name in own))
            )
            deleted += linked._raw_delete(linked.db)
    while remaining:
        progress = False
        for model in list(remaining):
            try:
                with transaction.atomic():
                    deleted += model._base_manager.all().delete()[0]
            except (ProtectedError, RestrictedError, IntegrityError):
                continue
            remaining.remove(model)
            progress = True
        if not progress:
            names = "、".join(str(m._meta.verbose_name) for m in remaining)
            raise DemoError(f"无法清空以下数据（仍被引用）：{names}")
    return deleted


# Each lifecycle module fills the built county through its own services (module, label).
LIFECYCLE_DEMOS = (
    ("dangjian.development.demo", "发展党员"),
    ("dangjian.transfers.demo", "组织关系接转"),
    ("dangjian.members.status_demo", "党籍"),
    ("dangjian.dues.demo", "党费"),
    ("dangjian.funds.demo", "经费"),
    ("dangjian.life.demo", "组织生活"),
    ("dangjian.elections.demo", "换届选举"),
    ("dangjian.outreach.demo", "联建共创"),
    ("dangjian.care.demo", "困难党员帮扶"),
    ("dangjian.opinions.demo", "群众意见"),
)


def populate_lifecycle(*, seed: int) -> dict[str, dict[str, int]]:
    import importlib

    today = timezone.localdate()
    out = {}
    for index, (module, label) in enumerate(LIFECYCLE_DEMOS):
        populate = importlib.import_module(module).populate_demo
        out[label] = populate(rng=random.Random(seed * 31 + index), today=today)
    return out


def build_demo(
    *, seed: int = 2024, members_target: int = 3000, stdout=None, reset: bool = False
) -> DemoSummary:
    """Build the demo county in one transaction; refuse if organisations exist (unless reset).

    Object-level audit logging is off while building; one 批量导入 event records the build.
    """
    started = time.perf_counter()
    builder = _Builder(seed=seed, members_target=members_target, stdout=stdout)
    with transaction.atomic():
        with disable_auditlog():
            if reset:
                builder.say("正在清空现有业务数据……")
                wipe_project_data()
            elif Organization.objects.exists():
                raise DemoError("数据库中已有党组织，演示数据不会覆盖现有数据。")
            builder.say("正在建立组织体系……")
            builder.build_tree()
            builder.size_branches()
            builder.say(f"正在生成{members_target}名党员……")
            builder.make_people()
            builder.make_members()
            builder.say("正在配备班子、演示账号和待审批申请……")
            builder.make_posts()
            accounts = builder.make_accounts()
            builder.make_requests()
            builder.say("正在生成发展党员、组织关系接转和党籍记录……")
            lifecycle = populate_lifecycle(seed=seed)
        result = builder.summary(accounts)
        result.lifecycle = lifecycle
        record_event(
            "import",
            org_path=builder.nodes["county"].path,
            detail={
                "demo": True,
                "source": "dangjian demo",
                "seed": seed,
                "reset": reset,
                "organizations": sum(result.org_counts.values()),
                "members": result.members,
                "posts": result.posts,
            },
        )
    result.seconds = time.perf_counter() - started
    return result
