"""Helpers for the opinions tests (imported by the test modules)."""

from dangjian.opinions import services


def opinion(setting, text="小区门口路灯坏了很久没人修", *, actor=None, place=None, **kw):
    actor = actor or setting.county.users["gongwei"]
    data = services.OpinionInput(text=text, place=place or setting.place, **kw)
    return services.record_opinion(
        actor=actor, data=data, channel="visit", intake_org=setting.county.gongwei
    )


def routed_case(setting, *, co=True, texts=("学校门口交通拥堵", "学校门口上下学拥堵严重")):
    """A case consolidated from two opinions, routed to 教育局 (lead) and 卫健局 (co)."""
    gw = setting.county.users["gongwei"]
    ops = [opinion(setting, t) for t in texts]
    case = services.consolidate(actor=gw, opinions=ops, title="学校门口交通拥堵")
    return services.route(
        actor=gw,
        case=case,
        level="joint" if co else "single",
        category=setting.school,
        lead=services.TaskInput(setting.edu, "牵头疏导"),
        co=[services.TaskInput(setting.health_unit, "配合")] if co else [],
    )
