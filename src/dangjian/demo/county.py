"""The shape of the fictional 示范县, modelled on 宁化县 in the seed article.

县委 → 县直机关工委 → 15 党委 of county departments → about 120 党总支/党支部 (a few 总支 with
branches beneath, four 联合党支部, 党小组 under some large branches). Weights are relative sizes;
the builder turns them into member counts for the requested total.

Profiles say who works in a unit, and so which occupations, sexes and ages its members have:
organ 机关 · police 公安 · school 学校 · vocational 职业学校 (the only students) · hospital 医院 ·
institution 其他事业单位 · workers 一线工人为主的事业单位 · farmers 农民专业合作社 · retired 离退休.

Tags mark the nodes the demo needs by name (accounts, requests, deliberate structural issues):
core (kept in small builds), zhibu, zhibu2, move, empty, tiny, large, nosecretary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dangjian.orgs.models import OrgType, Sector

PROFILE_SECTOR = {
    "organ": Sector.ORGAN,
    "police": Sector.ORGAN,
    "retired": Sector.ORGAN,
    "school": Sector.INSTITUTION,
    "vocational": Sector.INSTITUTION,
    "hospital": Sector.INSTITUTION,
    "institution": Sector.INSTITUTION,
    "workers": Sector.INSTITUTION,
    "farmers": Sector.ENTERPRISE,
}


@dataclass(frozen=True)
class BranchSpec:
    short: str
    profile: str
    weight: int
    tags: frozenset[str] = frozenset()
    org_type: str = OrgType.BRANCH
    unit: str = ""
    sector: str = ""
    groups: int = 0  # number of 党小组 beneath


@dataclass(frozen=True)
class GeneralSpec:
    short: str
    unit: str
    sector: str
    branches: tuple[BranchSpec, ...]
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CommitteeSpec:
    dept: str  # the department (所在单位)
    name: str
    short: str
    founded: date
    units: tuple[BranchSpec | GeneralSpec, ...] = field(default_factory=tuple)
    deputy: bool = True  # 12 of the 15 党委 have a 副书记 (article)
    committee_members: int = 8  # 委员 posts; 123 across the 15 (article)


def B(short: str, profile: str, weight: int, *tags: str, **kw) -> BranchSpec:
    return BranchSpec(short, profile, weight, frozenset(tags), **kw)


def J(short: str, profile: str, weight: int, *tags: str, **kw) -> BranchSpec:
    return BranchSpec(short, profile, weight, frozenset(tags), org_type=OrgType.JOINT_BRANCH, **kw)


def G(short: str, unit: str, sector: str, *branches: BranchSpec, tags=()) -> GeneralSpec:
    return GeneralSpec(short, unit, sector, tuple(branches), frozenset(tags))


INST = Sector.INSTITUTION

COMMITTEES: tuple[CommitteeSpec, ...] = (
    CommitteeSpec(
        "中共示范县委办公室",
        "中共示范县委办公室委员会",
        "县委办党委",
        date(2002, 3, 18),
        (
            B("县委办公室机关第一党支部", "organ", 22, "core", "zhibu", groups=2),
            G(
                "县委办公室直属单位党总支",
                "中共示范县委办公室",
                Sector.ORGAN,
                B("县档案馆党支部", "institution", 12),
                B("县委党史研究室党支部", "organ", 8, "move", unit="中共示范县委党史研究室"),
                B("县委机要和保密局党支部", "organ", 7, unit="中共示范县委机要和保密局"),
                tags=("core",),
            ),
            B("县委办公室机关第二党支部", "organ", 18),
            B("县委办公室信息科党支部", "organ", 0, "core", "empty"),
            J(
                "县委政策研究室、县委督查室联合党支部",
                "organ",
                6,
                "core",
                unit="中共示范县委政策研究室、中共示范县委督查室",
            ),
            B("县委办公室离退休干部党支部", "retired", 3),
        ),
    ),
    CommitteeSpec(
        "示范县人民政府办公室",
        "中共示范县人民政府办公室委员会",
        "县政府办党委",
        date(2002, 3, 18),
        (
            B("县政府办公室机关第一党支部", "organ", 20),
            B("县政府办公室机关第二党支部", "organ", 18),
            B("县机关事务服务中心党支部", "workers", 12),
            B("县政务服务中心党支部", "institution", 14),
            B("县信访局党支部", "organ", 8, unit="示范县信访局"),
            B("县政府办公室离退休干部党支部", "retired", 3),
        ),
    ),
    CommitteeSpec(
        "示范县教育局",
        "中共示范县教育局委员会",
        "县教育局党委",
        date(2002, 4, 2),
        (
            B("县教育局机关党支部", "organ", 18, "core", "zhibu2"),
            G(
                "示范县第一中学党总支",
                "示范县第一中学",
                INST,
                B("示范县第一中学高中部第一党支部", "school", 10),
                B("示范县第一中学高中部第二党支部", "school", 9),
                B("示范县第一中学初中部党支部", "school", 8),
                B("示范县第一中学行政后勤党支部", "school", 5),
                B("示范县第一中学退休教师党支部", "retired", 2, sector=INST),
                tags=("core",),
            ),
            B("示范县第二中学党支部", "school", 22, groups=2),
            B("示范县实验小学党支部", "school", 20, groups=2),
            B("示范县城关中心小学党支部", "school", 20),
            B("示范县职业中专学校党支部", "vocational", 18, "core"),
            B("示范县教师进修学校党支部", "school", 9),
            B("示范县城南中学党支部", "school", 14),
            B("示范县实验幼儿园党支部", "school", 8),
            B("示范县东山中学党支部", "school", 12),
            B("示范县西溪中学党支部", "school", 11),
            J(
                "示范县石桥、白沙中心小学联合党支部",
                "school",
                6,
                unit="示范县石桥中心小学、示范县白沙中心小学",
            ),
            B("县教育局离退休教职工第一党支部", "retired", 4, sector=INST),
            B("县教育局离退休教职工第二党支部", "retired", 4, sector=INST),
        ),
        committee_members=9,
    ),
    CommitteeSpec(
        "示范县卫生健康局",
        "中共示范县卫生健康局委员会",
        "县卫生健康局党委",
        date(2002, 4, 2),
        (
            B("县卫生健康局机关党支部", "organ", 14, "core"),
            G(
                "示范县医院党总支",
                "示范县医院",
                INST,
                B("示范县医院内科党支部", "hospital", 11, groups=2),
                B("示范县医院外科党支部", "hospital", 9),
                B("示范县医院医技党支部", "hospital", 7),
                B("示范县医院行政后勤党支部", "hospital", 6),
                B("示范县医院退休职工党支部", "retired", 2, sector=INST),
                tags=("core",),
            ),
            B("示范县中医院党支部", "hospital", 20, groups=2),
            B("县疾病预防控制中心党支部", "institution", 12),
            B("示范县妇幼保健院党支部", "hospital", 12),
            B("县卫生健康综合监督执法大队党支部", "organ", 7),
            B("示范县城关卫生院党支部", "hospital", 8),
            B("县卫生健康局离退休党支部", "retired", 3),
        ),
        committee_members=9,
    ),
    CommitteeSpec(
        "示范县财政局",
        "中共示范县财政局委员会",
        "县财政局党委",
        date(2002, 4, 2),
        (
            B("县财政局机关第一党支部", "organ", 20),
            B("县财政局机关第二党支部", "organ", 16),
            B("县国库支付中心党支部", "institution", 9),
            B("县财政投资评审中心党支部", "institution", 8),
            B("县非税收入管理中心党支部", "institution", 6),
            B("县财政局离退休干部党支部", "retired", 3),
        ),
    ),
    CommitteeSpec(
        "示范县公安局",
        "中共示范县公安局委员会",
        "县公安局党委",
        date(2002, 4, 2),
        (
            B("县公安局机关党支部", "police", 0, "core", "large", groups=3),
            B("县公安局刑事侦查大队党支部", "police", 16),
            B("县公安局交通管理大队党支部", "police", 20, groups=2),
            B("县公安局治安管理大队党支部", "police", 12),
            B("县公安局巡特警大队党支部", "police", 12),
            B("县公安局城关派出所党支部", "police", 14),
            B("县公安局东山派出所党支部", "police", 8),
            B("县公安局西溪派出所党支部", "police", 7),
            B("县公安局石桥派出所党支部", "police", 6),
            B("县看守所党支部", "police", 9),
            B("县公安局离退休民警党支部", "retired", 3),
        ),
        committee_members=9,
    ),
    CommitteeSpec(
        "示范县自然资源局",
        "中共示范县自然资源局委员会",
        "县自然资源局党委",
        date(2019, 3, 1),
        (
            B("县自然资源局机关第一党支部", "organ", 18),
            B("县自然资源局机关第二党支部", "organ", 14),
            B("县不动产登记中心党支部", "institution", 12),
            B("县土地收购储备中心党支部", "institution", 6),
            B("县城关自然资源所党支部", "organ", 7),
            B("县国有林场党支部", "workers", 14),
            B("县自然资源局离退休干部党支部", "retired", 3),
        ),
    ),
    CommitteeSpec(
        "示范县住房和城乡建设局",
        "中共示范县住房和城乡建设局委员会",
        "县住建局党委",
        date(2002, 4, 2),
        (
            B("县住房和城乡建设局机关党支部", "organ", 20),
            B("县城市建设监察大队党支部", "organ", 10, "core", "nosecretary"),
            B("县住房保障服务中心党支部", "institution", 8),
            B("县建设工程质量安全站党支部", "institution", 9),
            B("县市政工程管理处党支部", "workers", 12),
            B("县住房和城乡建设局离退休干部党支部", "retired", 3),
        ),
    ),
    CommitteeSpec(
        "示范县农业农村局",
        "中共示范县农业农村局委员会",
        "县农业农村局党委",
        date(2019, 3, 1),
        (
            B("县农业农村局机关第一党支部", "organ", 18),
            B("县农业农村局机关第二党支部", "organ", 14),
            B("县农业技术推广中心党支部", "institution", 14),
            B("县畜牧兽医水产中心党支部", "institution", 10),
            J(
                "县种子站、植保站、土肥站联合党支部",
                "institution",
                6,
                unit="示范县种子站、示范县植保站、示范县土肥站",
            ),
            B("县农业综合执法大队党支部", "organ", 8),
            J(
                "县农民专业合作社联合党支部",
                "farmers",
                14,
                "core",
                unit="示范县翠岭茶叶专业合作社、示范县禾丰水稻专业合作社、示范县山里红烟叶专业合作社",
            ),
            B("县农村经营管理站党支部", "institution", 6),
            B("县农业农村局离退休干部党支部", "retired", 3),
        ),
    ),
    CommitteeSpec(
        "示范县交通运输局",
        "中共示范县交通运输局委员会",
        "县交通运输局党委",
        date(2002, 4, 2),
        (
            B("县交通运输局机关党支部", "organ", 18),
            B("县公路事业发展中心党支部", "workers", 18, groups=2),
            B("县交通运输综合执法大队党支部", "organ", 12),
            B("县道路运输服务中心党支部", "institution", 9),
            B("县农村公路养护中心党支部", "workers", 10),
            B("县交通运输局离退休干部党支部", "retired", 3),
        ),
    ),
    CommitteeSpec(
        "示范县市场监督管理局",
        "中共示范县市场监督管理局委员会",
        "县市场监管局党委",
        date(2015, 6, 1),
        (
            B("县市场监督管理局机关第一党支部", "organ", 18),
            B("县市场监督管理局机关第二党支部", "organ", 14),
            B("县市场监管综合执法大队党支部", "organ", 12),
            B("县城关市场监督管理所党支部", "organ", 9),
            B("县东山市场监督管理所党支部", "organ", 6),
            B("县西溪市场监督管理所党支部", "organ", 6),
            B("县食品药品检验检测中心党支部", "institution", 8),
            B("县市场监督管理局离退休干部党支部", "retired", 3),
        ),
    ),
    CommitteeSpec(
        "示范县人力资源和社会保障局",
        "中共示范县人力资源和社会保障局委员会",
        "县人社局党委",
        date(2010, 5, 4),
        (
            B("县人力资源和社会保障局机关党支部", "organ", 18),
            B("县社会保险中心党支部", "institution", 14),
            B("县公共就业服务中心党支部", "institution", 10),
            B("县劳动保障监察大队党支部", "organ", 7),
            B("县劳动人事争议仲裁院党支部", "organ", 5),
            B("县人力资源和社会保障局离退休干部党支部", "retired", 3),
        ),
    ),
    CommitteeSpec(
        "示范县民政局",
        "中共示范县民政局委员会",
        "县民政局党委",
        date(2002, 4, 2),
        (
            B("县民政局机关党支部", "organ", 16),
            B("县社会福利中心党支部", "institution", 10),
            B("县殡葬服务中心党支部", "workers", 8),
            B("县救助管理站党支部", "institution", 5),
            B("县民政局离退休干部党支部", "retired", 2),
        ),
        deputy=False,
    ),
    CommitteeSpec(
        "示范县文化和旅游局",
        "中共示范县文化和旅游局委员会",
        "县文旅局党委",
        date(2019, 3, 1),
        (
            B("县文化和旅游局机关党支部", "organ", 16),
            B("县图书馆党支部", "institution", 8),
            B("县文化馆党支部", "institution", 8),
            B("县博物馆党支部", "institution", 6),
            B("县文化市场综合执法大队党支部", "organ", 8),
            B("县文化和旅游局离退休干部党支部", "retired", 2),
        ),
        deputy=False,
    ),
    CommitteeSpec(
        "示范县水利局",
        "中共示范县水利局委员会",
        "县水利局党委",
        date(2002, 4, 2),
        (
            B("县水利局机关党支部", "organ", 16, "core"),
            B("县水文站党支部", "institution", 0, "core", "tiny"),
            B("县水利工程管理站党支部", "workers", 10),
            B("县水土保持站党支部", "institution", 7),
            B("县河道管理中心党支部", "institution", 6),
            B("县水利局离退休干部党支部", "retired", 2),
        ),
        deputy=False,
    ),
)

COUNTY_NAME = "中共示范县委员会"
COUNTY_SHORT = "示范县委"
WORK_COMMITTEE_NAME = "中共示范县直属机关工作委员会"
WORK_COMMITTEE_SHORT = "县直机关工委"


def full_name(short: str) -> str:
    """县教育局机关党支部 → 中共示范县教育局机关支部委员会 (the official full form)."""
    base = "中共" + (short if short.startswith("示范县") else "示范" + short)
    for suffix, replacement in (("党总支", "总支部委员会"), ("党支部", "支部委员会")):
        if base.endswith(suffix):
            return base[: -len(suffix)] + replacement
    return base


def unit_of(short: str) -> str:
    """示范县第二中学党支部 → 示范县第二中学; 县看守所党支部 → 示范县看守所."""
    unit = short.removesuffix("党支部").removesuffix("党总支")
    return unit if unit.startswith("示范县") else "示范" + unit
