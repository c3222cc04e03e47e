"""A small county for tests, shaped like the demo: two 党委 with branches, and the demo roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dangjian.accounts.models import Grant, User
from dangjian.accounts.roles import Role
from dangjian.members.idnumber import make_id_number
from dangjian.members.models import Member
from dangjian.members.services import apply_member_data, clean_member_data
from dangjian.orgs.models import Organization, OrgType, Sector
from dangjian.orgs.services import create_organization

PASSWORD = "demo12345"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"


@dataclass
class County:
    county: Organization
    gongwei: Organization
    dangwei_a: Organization
    dangwei_b: Organization
    branch_a1: Organization
    branch_a2: Organization
    branch_b1: Organization
    users: dict[str, User] = field(default_factory=dict)
    members: dict[str, list[Member]] = field(default_factory=dict)


def org(parent, code: str, name: str, org_type: str, sector: str = Sector.ORGAN) -> Organization:
    return create_organization(
        parent=parent,
        fields={"name": name, "short_name": name, "code": code, "org_type": org_type, "sector": sector},
    )


_seq = [0]


def member_in(branch: Organization, name: str | None = None, **overrides) -> Member:
    """A valid member created through the same cleaning and encryption as real input."""
    _seq[0] += 1
    n = _seq[0]
    gender = overrides.pop("gender", "male" if n % 2 else "female")
    birth = overrides.pop("birth_date", date(1970 + n % 30, 1 + n % 12, 1 + n % 28))
    raw = {
        "name": name or _SURNAMES[n % len(_SURNAMES)] + _GIVEN[(n * 7) % len(_GIVEN)],
        "gender": gender,
        "ethnicity": "汉族",
        "birth_date": birth,
        "id_number": make_id_number("350402", birth, n, gender),
        "education": "bachelor",
        "occupation": "official",
        "phone": f"139{n:08d}",
        "joined_on": date(birth.year + 25, 7, 1),
        "confirmed_on": date(birth.year + 26, 7, 1),
        "category": "full",
    }
    raw.update(overrides)
    data = clean_member_data(raw)
    member = Member(org=branch)
    apply_member_data(member, data)
    member.save()
    return member


def user_with(username: str, role: str | None, node: Organization | None, member: Member | None = None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=username)
    if role and node:
        Grant.objects.create(user=user, role=role, org=node)
    if member is not None:
        member.user = user
        member.save(update_fields=["user"])
    return user


def build_county(members_per_branch: int = 4) -> County:
    county = org(None, "T000", "示范县委", OrgType.COUNTY_COMMITTEE)
    gongwei = org(county, "T100", "中共示范县直属机关工作委员会", OrgType.WORK_COMMITTEE)
    dangwei_a = org(gongwei, "T110", "中共示范县教育局委员会", OrgType.PARTY_COMMITTEE)
    dangwei_b = org(gongwei, "T120", "中共示范县卫生健康局委员会", OrgType.PARTY_COMMITTEE)
    branch_a1 = org(dangwei_a, "T111", "教育局机关第一党支部", OrgType.BRANCH)
    branch_a2 = org(dangwei_a, "T112", "教育局机关第二党支部", OrgType.BRANCH)
    branch_b1 = org(dangwei_b, "T121", "卫生健康局机关党支部", OrgType.BRANCH)
    c = County(county, gongwei, dangwei_a, dangwei_b, branch_a1, branch_a2, branch_b1)
    for key, branch in (("a1", branch_a1), ("a2", branch_a2), ("b1", branch_b1)):
        c.members[key] = [member_in(branch) for _ in range(members_per_branch)]
    c.users = {
        "admin": user_with("admin", Role.SYSTEM_ADMIN, county),
        "gongwei": user_with("gongwei", Role.WORK_COMMITTEE_ADMIN, gongwei),
        "dangwei": user_with("dangwei", Role.COMMITTEE_ADMIN, dangwei_a),
        "zhibu": user_with("zhibu", Role.BRANCH_SECRETARY, branch_a1),
        "zhibu2": user_with("zhibu2", Role.BRANCH_SECRETARY, branch_b1),
        "dangyuan": user_with("dangyuan", Role.MEMBER, branch_a1, member=c.members["a1"][0]),
        "shenji": user_with("shenji", Role.AUDITOR, gongwei),
        "nobody": user_with("nobody", None, None),
    }
    return c


def pdf_to_pngs(pdf: bytes, out_dir, stem: str = "page", dpi: int = 60) -> list:
    """Render a PDF to PNG pages with poppler's pdftoppm (a real rasteriser: a broken PDF fails)."""
    import subprocess
    import tempfile
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), f.name, str(out / stem)], check=True)
    return sorted(out.glob(f"{stem}*.png"))
