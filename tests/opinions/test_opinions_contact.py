"""A unit's staff see the case they work on, never the submitter's contact without view_contact."""

import pytest
from django.urls import reverse
from opinions_support import opinion

from dangjian.core.scope import path_in_scope
from dangjian.opinions import services
from dangjian.opinions.models import Opinion

pytestmark = pytest.mark.django_db


def _case_with_contact(setting):
    gw = setting.county.users["gongwei"]
    op = opinion(setting, "学校门口上下学交通拥堵", name="王小五", phone="13800001111")
    case = services.consolidate(actor=gw, opinions=[op], title="学校门口交通拥堵")
    services.route(
        actor=gw,
        case=case,
        level="single",
        category=setting.school,
        lead=services.TaskInput(setting.edu, "牵头办理"),
    )
    return case, op


@pytest.mark.parametrize("who", ["zhibu", "dangwei"])
def test_unit_staff_see_the_case_but_not_the_contact(setting, login, who):
    """教育局's staff: zhibu (branch, no view_contact at all) and dangwei (a 党委 that holds
    view_contact, but only over its own subtree, not over the 工委 where the opinion came in)."""
    case, op = _case_with_contact(setting)
    user = setting.county.users[who]
    assert not path_in_scope(user, "view_contact", "opinion", op.intake_path)
    c = login(user)
    page = c.get(reverse("opinions:case", args=[case.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "学校门口交通拥堵" in body  # the unit works on it
    assert "13800001111" not in body and "王小五" not in body
    assert "138****1111" in body and "王**" in body  # masked only
    assert "查看联系方式" not in body
    assert c.post(reverse("opinions:reveal", args=[op.pk])).status_code == 404
    # Nor through the lists and the export.
    for url in (reverse("opinions:opinions"), reverse("opinions:figures")):
        r = c.get(url)
        assert "13800001111" not in r.content.decode() and "王小五" not in r.content.decode()


def test_view_contact_at_the_intake_organisation_reveals_and_is_audited(setting, login):
    from auditlog.models import LogEntry

    case, op = _case_with_contact(setting)
    c = login(setting.county.users["gongwei"])
    body = c.get(reverse("opinions:case", args=[case.pk])).content.decode()
    assert "查看联系方式" in body and "13800001111" not in body  # revealed only on request
    before = LogEntry.objects.count()
    r = c.post(reverse("opinions:reveal", args=[op.pk]))
    assert "13800001111" in r.content.decode() and "王小五" in r.content.decode()
    assert LogEntry.objects.count() == before + 1


def test_contact_is_never_stored_in_clear(setting):
    _case, op = _case_with_contact(setting)
    row = Opinion.objects.filter(pk=op.pk).values().get()
    assert not any("13800001111" in str(v) or "王小五" in str(v) for v in row.values())
