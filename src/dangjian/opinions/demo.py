"""Demo 群众意见 for the demo county, made through this app's services (LIFECYCLE_DEMOS).

It mirrors the article's 梅列区 figures without typing them in: about 254 underlying issues are
drawn (each a problem at a spot in one of the county's communities or villages, its kind drawn
with weights 33 : 145 : 76 between the category pools that need the county's coordination, one
department, or several), and each issue is voiced by one to six citizens in their own words —
646 opinions in all. The engine's consolidate() (blocked by place) then groups the opinions into
cases, and the routing rule (services.suggest_routing: a category's responsible units decide the
level) routes them; the split by level that results is whatever the routing gives.

Cases are left in every state: a few still 待交办, some in handling (some overdue, one with a
pending extension, some 催办/督办), replied, followed up (some 不满意 → 重办), closed, a few
不予受理 and a few 合并 into another case.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from dangjian.opinions import services
from dangjian.opinions.models import (
    Case,
    CaseState,
    CaseTask,
    Category,
    Channel,
    Level,
    Opinion,
    Place,
    PlaceKind,
    ReplyTemplate,
    TaskRole,
    Unit,
    UnitKind,
)
from dangjian.orgs.models import Organization

OPINION_COUNT = 646
ISSUE_COUNT = 254  # issues raised before the latest few days: each is triaged
WAITING_COUNT = 8  # issues of the last days, still 待交办 (legitimately without a level)
LEVEL_WEIGHTS = {Level.COORDINATE: 33, Level.SINGLE: 145, Level.JOINT: 76}

PLACES = (
    (
        "城关街道",
        PlaceKind.COMMUNITY,
        ("东门社区", "西门社区", "南街社区", "北苑社区", "新华社区", "江滨社区"),
    ),
    ("城东镇", PlaceKind.VILLAGE, ("城东村", "富兴村", "洋坑村")),
    ("城西镇", PlaceKind.VILLAGE, ("西山村", "岩前村", "溪口村")),
)
SPOTS = (
    "幸福路",
    "解放路",
    "建设路",
    "滨江路",
    "菜市场旁",
    "3号楼",
    "7号楼",
    "老街",
    "村部旁",
    "小学门口",
    "桥头",
    "公园边",
    "新村片区",
    "老年活动中心旁",
    "安置小区",
)

# Units: (name, kind, the 党委 whose 机关 branch stands for the unit's staff in the demo county).
UNITS = (
    ("县委办公室（县委督查室）", UnitKind.PARTY_ORG, "中共示范县委办公室委员会"),
    ("县政府办公室", UnitKind.DEPARTMENT, "中共示范县人民政府办公室委员会"),
    ("县住房和城乡建设局", UnitKind.DEPARTMENT, "中共示范县住房和城乡建设局委员会"),
    ("县交通运输局", UnitKind.DEPARTMENT, "中共示范县交通运输局委员会"),
    ("县教育局", UnitKind.DEPARTMENT, "中共示范县教育局委员会"),
    ("县卫生健康局", UnitKind.DEPARTMENT, "中共示范县卫生健康局委员会"),
    ("县民政局", UnitKind.DEPARTMENT, "中共示范县民政局委员会"),
    ("县人力资源和社会保障局", UnitKind.DEPARTMENT, "中共示范县人力资源和社会保障局委员会"),
    ("县市场监督管理局", UnitKind.DEPARTMENT, "中共示范县市场监督管理局委员会"),
    ("县农业农村局", UnitKind.DEPARTMENT, "中共示范县农业农村局委员会"),
    ("县公安局", UnitKind.DEPARTMENT, "中共示范县公安局委员会"),
    ("县文化和旅游局", UnitKind.DEPARTMENT, "中共示范县文化和旅游局委员会"),
    ("县水利局", UnitKind.DEPARTMENT, "中共示范县水利局委员会"),
    ("县自然资源局", UnitKind.DEPARTMENT, "中共示范县自然资源局委员会"),
    ("县财政局", UnitKind.DEPARTMENT, "中共示范县财政局委员会"),
)

# (一级 from 附件1, 二级, needs coordination, responsible units, problems).
CATEGORIES = (
    (
        "城乡建设",
        "市政设施",
        False,
        ("县住房和城乡建设局",),
        (
            "路灯坏了好久没人修，晚上出行很不方便",
            "人行道地砖破损，老人容易绊倒",
            "下水道经常堵塞，污水外溢",
            "一下雨就积水，车辆和行人无法通行",
            "垃圾桶太少，垃圾乱堆乱放",
            "窨井盖缺失，存在安全隐患",
        ),
    ),
    (
        "交通运输",
        "公共交通",
        False,
        ("县交通运输局",),
        (
            "公交车班次太少，等车要一个多小时",
            "缺少公交站台和候车亭，雨天只能淋雨",
            "村道坑洼不平，下雨天泥泞难行",
            "客运班车停运后群众进城困难",
            "道路标线模糊，夜间行车看不清",
        ),
    ),
    (
        "教育文体",
        "学校教育",
        False,
        ("县教育局",),
        (
            "学校食堂饭菜质量差，家长很担心",
            "课后服务收费不透明",
            "校舍老旧，教室漏雨",
            "学位紧张，孩子就近入学困难",
            "学校操场设施损坏多年未修",
        ),
    ),
    (
        "卫生计生",
        "医疗服务",
        False,
        ("县卫生健康局",),
        (
            "村卫生室常年缺医生，看小病也要跑县城",
            "社区卫生服务站看病排队时间太长",
            "家庭医生签约后没有上门服务",
            "疫苗接种点预约难",
        ),
    ),
    (
        "民政",
        "养老服务",
        False,
        ("县民政局",),
        (
            "老人没有地方吃饭，希望办老年食堂",
            "居家养老服务站很少开门",
            "高龄补贴迟迟没有发放",
            "低保评定不公开，群众有意见",
        ),
    ),
    (
        "劳动和社会保障",
        "社保就业",
        False,
        ("县人力资源和社会保障局",),
        (
            "社保卡补办要跑好几趟",
            "农民工工资被拖欠半年",
            "灵活就业人员参保手续复杂",
        ),
    ),
    (
        "商贸旅游",
        "市场监管",
        False,
        ("县市场监督管理局",),
        (
            "菜市场有商贩缺斤短两",
            "店铺占道经营，道路拥堵",
            "商家虚假宣传，退货难",
        ),
    ),
    (
        "农村农业",
        "农业生产",
        False,
        ("县农业农村局",),
        (
            "灌溉水渠年久失修，农田缺水",
            "农技人员很少下村指导",
            "村里道路两旁的农田被随意占用堆放杂物",
        ),
    ),
    (
        "政法",
        "社会治安",
        False,
        ("县公安局",),
        (
            "夜间烧烤摊噪音扰民",
            "电动车经常被盗",
            "夜里有人飙车，十分危险",
        ),
    ),
    (
        "教育文体",
        "群众文化",
        False,
        ("县文化和旅游局",),
        (
            "文化广场健身器材损坏",
            "农家书屋长期锁门",
            "缺少群众文化活动场地",
        ),
    ),
    (
        "环境保护",
        "环境污染",
        False,
        ("县住房和城乡建设局", "县市场监督管理局"),
        (
            "餐馆油烟直排，楼上住户无法开窗",
            "建筑工地夜间施工，粉尘噪音严重",
            "废品收购站乱堆乱放，气味难闻",
        ),
    ),
    (
        "交通运输",
        "交通秩序",
        False,
        ("县交通运输局", "县公安局"),
        (
            "上下学时段交通拥堵严重，孩子过马路危险",
            "路口没有红绿灯，经常发生事故",
            "大货车超载碾坏路面",
        ),
    ),
    (
        "城乡建设",
        "老旧小区改造",
        False,
        ("县住房和城乡建设局", "县财政局"),
        (
            "老旧小区外墙脱落，雨天漏水",
            "小区没有电梯，老人上下楼困难",
            "小区管网老化，水压不足",
        ),
    ),
    (
        "卫生计生",
        "食品安全",
        False,
        ("县卫生健康局", "县市场监督管理局"),
        (
            "学校周边小摊贩卖三无食品",
            "小餐馆卫生条件差，无证经营",
        ),
    ),
    (
        "国土资源",
        "水利设施",
        False,
        ("县水利局", "县自然资源局"),
        (
            "河道淤塞，汛期容易内涝",
            "山塘水库堤坝有裂缝",
            "河边违规采砂，河岸坍塌",
        ),
    ),
    (
        "国土资源",
        "征地拆迁",
        True,
        ("县政府办公室", "县自然资源局", "县住房和城乡建设局"),
        (
            "征地补偿款迟迟不到位",
            "拆迁安置房交房一再延期",
            "项目征地后留下的边角地无人管理",
        ),
    ),
    (
        "城乡建设",
        "重大项目",
        True,
        ("县委办公室（县委督查室）", "县住房和城乡建设局", "县财政局"),
        (
            "农贸市场搬迁后群众买菜太远",
            "停工多年的烂尾楼存在安全隐患",
            "片区改造规划迟迟不公布",
        ),
    ),
)

WRAPPERS = (
    "{core}。",
    "{place}{spot}{problem}，希望有关部门尽快解决。",
    "反映一个问题：{place}{spot}{problem}，已经好几个月了。",
    "{place}{spot}{problem}，群众意见很大，请协调处理。",
    "我是{place}的居民，{spot}{problem}，盼早日解决。",
    "{spot}（{place}）{problem}，多次反映没有结果。",
)
CHANNELS = (
    (Channel.ONLINE, 4),
    (Channel.MEETING, 3),
    (Channel.VISIT, 3),
    (Channel.LETTER, 1),
    (Channel.HOTLINE, 2),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"


def _unit_org(committee_name: str) -> Organization | None:
    """The committee's first 机关 branch (its staff act for the unit in the demo), else the committee."""
    committee = Organization.objects.filter(name=committee_name).first()
    if committee is None:
        return None
    branch = (
        Organization.objects.filter(
            path__startswith=committee.path, depth=committee.depth + 1, name__contains="机关"
        )
        .order_by("path")
        .first()
    )
    return branch or committee


def _setting() -> tuple[list[Place], dict[str, Unit], list[tuple[Category, tuple[str, ...]]]]:
    places = []
    for town, kind, names in PLACES:
        for name in names:
            places.append(Place.objects.create(name=name, town=town, kind=kind))
    units = {}
    for name, kind, committee in UNITS:
        units[name] = Unit.objects.create(name=name, kind=kind, org=_unit_org(committee))
    cats = []
    tops: dict[str, Category] = {}
    for top, second, coordinate, unit_names, problems in CATEGORIES:
        parent = tops.get(top) or tops.setdefault(top, Category.objects.create(name=top))
        cat = Category.objects.create(name=second, parent=parent, needs_coordination=coordinate)
        for u in unit_names:
            units[u].categories.add(cat)
        cats.append((cat, problems))
    ReplyTemplate.objects.create(
        name="已办结答复",
        body="您反映的问题已收悉。经我单位核实，现答复如下：\n\n（办理情况）\n\n感谢您对我们工作的关心和支持。",
    )
    ReplyTemplate.objects.create(
        name="政策解释答复",
        body="您反映的问题已收悉。经核实，该事项按现行政策规定办理如下：\n\n（政策依据和解释）\n\n如有疑问，请联系我们。",
    )
    return places, units, cats


def _quotas(total: int) -> dict[str, int]:
    """The issues of each kind in proportion to LEVEL_WEIGHTS (largest remainder): a stratified
    draw, so that the scenario does not drift from the article's proportions by sampling noise
    (±5 issues per kind for an independent draw of 254). What the system makes of the issues —
    consolidation of the voices into cases, routing of each case by its category — is its own."""
    weight = sum(LEVEL_WEIGHTS.values())
    exact = {k: total * w / weight for k, w in LEVEL_WEIGHTS.items()}
    out = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - out[k], reverse=True)[
        : total - sum(out.values())
    ]:
        out[k] += 1
    return out


def _draw_issues(rng: random.Random, places, cats) -> list[dict]:
    pools = {level: [] for level in LEVEL_WEIGHTS}
    for cat, problems in cats:
        level = services.suggest_routing(cat).level
        pools[level].extend((cat, p) for p in problems)
    kinds = [k for k, n in _quotas(ISSUE_COUNT).items() for _ in range(n)]
    rng.shuffle(kinds)
    levels, weights = zip(*LEVEL_WEIGHTS.items(), strict=True)
    kinds += [rng.choices(levels, weights)[0] for _ in range(WAITING_COUNT)]
    used = set()
    issues = []
    for index, level in enumerate(kinds):
        while True:
            cat, problem = rng.choice(pools[level])
            place = rng.choice(places)
            if (place.pk, problem) not in used:
                break
        used.add((place.pk, problem))
        issues.append(
            {
                "cat": cat,
                "problem": problem,
                "place": place,
                "spot": rng.choice(SPOTS),
                "voices": 1,
                "waiting": index >= ISSUE_COUNT,
            }
        )
    # 646 voices: every issue is voiced once, the rest fall on issues at random (a few popular
    # ones get many).
    extra = OPINION_COUNT - len(issues)
    while extra:
        issue = rng.choice(issues)
        if issue["voices"] < len(WRAPPERS):
            issue["voices"] += 1
            extra -= 1
    return issues


def _opinions(rng: random.Random, issues, today: date, intake: Organization):
    """The citizens' opinions, recorded in one batch through services.record_opinions; returns
    them with the issue each voices (the demo's ground truth, never shown to the engine)."""
    channels, cweights = zip(*CHANNELS, strict=True)
    rows, truth = [], []
    tz = timezone.get_current_timezone()
    for issue in issues:
        first = today - (
            timedelta(days=rng.randint(1, 5))
            if issue["waiting"]
            else timedelta(days=rng.randint(20, 170))
        )
        for i, wrapper in enumerate(rng.sample(WRAPPERS, issue["voices"])):
            place, spot, problem = issue["place"], issue["spot"], issue["problem"]
            text = wrapper.format(
                core=f"{place.name}{spot}{problem}", place=place.name, spot=spot, problem=problem
            )
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) if rng.random() < 0.6 else ""
            phone = (
                f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
                if name and rng.random() < 0.8
                else ""
            )
            day = min(today, first + timedelta(days=i * rng.randint(0, 4)))
            at = datetime.combine(day, time(rng.randint(8, 20), rng.randint(0, 59)), tz)
            at = min(at, timezone.now())
            data = services.OpinionInput(
                text=text,
                place=place,
                name=name,
                phone=phone,
                received_at=at,
                category=issue["cat"] if rng.random() < 0.3 else None,
            )
            rows.append((data, rng.choices(channels, cweights)[0]))
            truth.append(issue)
    made = services.record_opinions(actor=None, rows=rows, intake_org=intake)
    return made, {o.pk: issue for o, issue in zip(made, truth, strict=True)}


def populate_demo(*, rng: random.Random, today: date) -> dict[str, int]:
    from dangjian.opinions.similarity import Item, consolidate, opinion_text

    if Place.objects.exists():
        return {}
    intake = services.default_intake_org()
    places, units, cats = _setting()
    issues = _draw_issues(rng, places, cats)
    ops, truth = _opinions(rng, issues, today, intake)
    groups = consolidate([Item(o.pk, opinion_text(o.title, o.text), str(o.place_id)) for o in ops])
    by_id = {o.pk: o for o in ops}
    inputs, meta = [], []
    for group in groups:
        members = [by_id[i] for i in group]
        issue = truth[members[0].pk]
        last = max(m.received_at for m in members).date()
        title = f"{issue['place'].name}{issue['spot']}{issue['problem'].split('，')[0]}"
        inputs.append(
            services.GroupInput(
                opinions=members,
                title=title,
                category=issue["cat"],
                reason="系统建议归并，经核对确认",
                on=last,
            )
        )
        meta.append((issue, last))
    made = services.consolidate_many(actor=None, groups=inputs)
    cases = [(case, issue, last) for case, (issue, last) in zip(made, meta, strict=True)]
    counts = _handle(rng, cases, today)
    counts.update(
        {
            "群众意见": len(ops),
            "诉求事项（归并后）": len(cases),
            "需党委政府统筹协调": Case.objects.filter(level=Level.COORDINATE).count(),
            "单一部门办理": Case.objects.filter(level=Level.SINGLE).count(),
            "多部门联合办理": Case.objects.filter(level=Level.JOINT).count(),
        }
    )
    return counts


def _handle(rng: random.Random, cases, today: date) -> dict[str, int]:
    """Route each case by the routing rule and take it as far as its age allows.

    Each case's course is drawn first; then every step is done for all cases at once through the
    services' batch paths (route_many, finish_tasks, reply_many, follow_up_many, close_many),
    each step dated on the simulated timeline. The rare steps (催办, 督办, 延期, 不予受理, 合并)
    go through the one-case services.
    """
    cases.sort(key=lambda c: (c[2], c[0].pk))
    stats = {"重办": 0, "超期未办结": 0, "不予受理": 0, "合并": 0}
    routings: dict[int, services.Routing] = {}
    routes, courses = [], []
    for index, (case, issue, last) in enumerate(cases):
        if issue["waiting"] or last >= today - timedelta(days=1):
            continue  # 待交办: raised in the last days, not yet triaged
        cat = issue["cat"]
        routing = routings.get(cat.pk) or routings.setdefault(cat.pk, services.suggest_routing(cat))
        routed_on = min(today - timedelta(days=1), last + timedelta(days=rng.randint(1, 5)))
        if index % 80 == 5:
            # Triaged, then refused: it keeps the level it was triaged with.
            services.reject(
                actor=None,
                case=case,
                reason="属于司法程序处理事项，已告知反映人依法申请",
                level=routing.level,
                on=routed_on,
            )
            stats["不予受理"] += 1
            continue
        routes.append(
            services.RouteInput(
                case=case,
                level=routing.level,
                category=cat,
                lead=services.TaskInput(routing.lead, "牵头办理，按期答复"),
                co=[services.TaskInput(u, "配合办理") for u in routing.co_units],
                on=routed_on,
            )
        )
        courses.append((routed_on, rng.random()))
    routed = services.route_many(actor=None, routes=routes)
    tasks: dict[int, list[CaseTask]] = {}
    for task in CaseTask.objects.filter(case__in=routed).select_related("unit"):
        tasks.setdefault(task.case_id, []).append(task)

    replies, co_done = [], {}
    for case, (routed_on, roll) in zip(routed, courses, strict=True):
        age = (today - routed_on).days
        if age < 12 or roll < 0.10:
            _in_handling(rng, case, tasks[case.pk], roll, routed_on, today, stats)
            continue
        on_time = rng.random() < 0.85
        span = (case.deadline - routed_on).days
        day = routed_on + timedelta(
            days=rng.randint(3, span) if on_time else span + rng.randint(1, 10)
        )
        day = min(day, today)
        for task in tasks[case.pk]:
            if task.role == TaskRole.CO:
                co_done[task.pk] = (task, day)
        lead = next(t for t in tasks[case.pk] if t.role == TaskRole.LEAD)
        replies.append(
            services.ReplyInput(
                case=case,
                text=f"您反映的“{case.title}”问题已收悉。经{lead.unit.name}牵头核实处理，"
                "已安排专人整改到位。感谢您对我们工作的关心和支持。",
                summary="已整改到位",
                publish=rng.random() < 0.5,
                on=day,
            )
        )
    services.finish_tasks(
        actor=None,
        tasks=[t for t, _d in co_done.values()],
        note="已按分工完成配合工作",
        on={pk: d for pk, (_t, d) in co_done.items()},
    )
    replied = services.reply_many(actor=None, replies=replies)

    first_opinion = {}
    for op in Opinion.objects.filter(case__in=replied).order_by("received_at", "id"):
        first_opinion.setdefault(op.case_id, op)
    follow_ups, closes = [], []
    for case in replied:
        roll = rng.random()
        if roll < 0.10:
            continue  # 已答复, awaiting 回访
        opinion = first_opinion.get(case.pk)
        if roll < 0.16:
            follow_ups.append(
                services.FollowUpInput(
                    case=case,
                    result="unsatisfied",
                    comment="问题没有根本解决",
                    opinion=opinion,
                    by_citizen=True,
                    on=min(today, case.replied_on + timedelta(days=3)),
                )
            )
            stats["重办"] += 1
            continue
        result = "satisfied" if rng.random() < 0.8 else "basic"
        visited = min(today, case.replied_on + timedelta(days=rng.randint(1, 7)))
        follow_ups.append(
            services.FollowUpInput(
                case=case,
                result=result,
                opinion=opinion,
                by_citizen=rng.random() < 0.5,
                on=visited,
            )
        )
        if roll < 0.25:
            continue  # 已回访
        closes.append(
            services.CloseInput(
                case=case,
                reason="已答复并回访，群众满意"
                if result == "satisfied"
                else "已答复，群众基本满意",
                on=visited,
            )
        )
    services.follow_up_many(actor=None, items=follow_ups)
    services.close_many(actor=None, closes=closes)

    # A few cases were entered twice: the later one is merged into the earlier.
    waiting = Case.objects.filter(
        pk__in=[c.pk for c, _i, _l in cases], state=CaseState.TO_ROUTE
    ).order_by("pk")
    for case in list(waiting)[:2]:
        if case.opinions.count() < 2:
            continue
        twin = services.split(
            actor=None,
            case=case,
            opinions=list(case.opinions.all()[1:2]),
            title=f"{case.title}（重复登记）",
            reason="分开登记的同一诉求",
            on=today,
        )
        services.merge_case(
            actor=None, case=twin, into=case, reason="与已有事项是同一诉求", on=today
        )
        stats["合并"] += 1
    return stats


def _in_handling(rng, case: Case, tasks, roll: float, routed_on: date, today: date, stats) -> None:
    """A case still in handling: a progress note; 催办 (and 督办) when overdue; a pending extension."""
    if case.deadline < today:
        stats["超期未办结"] += 1
        urged = min(today, case.deadline + timedelta(days=1))
        services.urge(actor=None, case=case, text="已超过办理期限，请抓紧办理并报告进展", on=urged)
        if roll < 0.04:
            services.urge(
                actor=None,
                case=case,
                text="列入工委督办事项，限期办结",
                formal=True,
                on=min(today, urged + timedelta(days=3)),
            )
    lead = next(t for t in tasks if t.role == TaskRole.LEAD)
    services.add_progress(actor=None, task=lead, text="已到现场查看，正在制定解决方案")
    if roll < 0.02 and lead.deadline >= today:
        services.request_extension(
            actor=None,
            task=lead,
            new_deadline=lead.deadline + timedelta(days=15),
            reason="需走招投标程序",
            on=min(today, routed_on + timedelta(days=5)),
        )
