"""Pages, export, API, reminders and demo of elections: scope everywhere (out of scope is 404)."""

import io
import random
from datetime import date, timedelta

import pytest
from django.utils import timezone
from support import member_in

from dangjian.core.calendar import add_years
from dangjian.elections import services
from dangjian.elections.demo import populate_demo
from dangjian.elections.models import Election, Stage, Term, TermChange

pytestmark = pytest.mark.django_db


def _election(county):
    for _ in range(4):
        member_in(county.branch_a1)
    services.register_term(
        actor=county.users["zhibu"], org=county.branch_a1, started_on=date(2024, 1, 5)
    )
    e = services.submit_plan(
        actor=county.users["zhibu"],
        org=county.branch_a1,
        plan="按期换届",
        seats=3,
        proposed_candidates=4,
    )
    return e


def test_zhibu2_gets_404_on_zhibus_election(county, login):
    e = _election(county)
    services.decide_plan(actor=county.users["dangwei"], election=e, approve=True)
    rnd = services.set_candidates(
        actor=county.users["zhibu"],
        election=e,
        member_ids=[m.pk for m in services.voters(county.branch_a1)[:4]],
    )
    client = login(county.users["zhibu2"])
    for url in (
        f"/elections/{e.pk}/",
        f"/elections/{e.pk}/result/",
        f"/elections/{e.pk}/candidates/",
        f"/elections/{e.pk}/meeting/",
        f"/elections/round/{rnd.pk}/",
        f"/elections/org/{county.branch_a1.pk}/",
        f"/elections/org/{county.branch_a1.pk}/election/new/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/elections/{e.pk}/decide/", {"approve": "1"}).status_code == 404
    client = login(county.users["zhibu"])
    for url in (
        f"/elections/{e.pk}/",
        f"/elections/round/{rnd.pk}/",
        f"/elections/org/{county.branch_a1.pk}/",
    ):
        assert client.get(url).status_code == 200, url


def test_home_lists_what_waits_for_my_approval(county, login):
    e = _election(county)
    page = login(county.users["dangwei"]).get("/elections/").content.decode()
    assert f"/elections/{e.pk}/" in page and "等待我批复" in page
    page = login(county.users["zhibu"]).get("/elections/").content.decode()
    assert "等待我批复" not in page and "请示待批复" in page


def test_decision_through_the_page_refuses_the_requester(county, login):
    e = _election(county)
    client = login(county.users["zhibu"])
    response = client.post(f"/elections/{e.pk}/decide/", {"approve": "1"}, follow=True)
    assert "上级党组织批复" in response.content.decode()
    e.refresh_from_db()
    assert e.stage == Stage.REQUESTED
    client = login(county.users["dangwei"])
    client.post(f"/elections/{e.pk}/decide/", {"approve": "1"})
    e.refresh_from_db()
    assert e.stage == Stage.PLAN_APPROVED


def test_plan_form_shows_the_slate_error_and_writes_nothing(county, login):
    for _ in range(4):
        member_in(county.branch_a1)
    client = login(county.users["zhibu"])
    response = client.post(
        f"/elections/org/{county.branch_a1.pk}/election/new/",
        {"plan": "x", "seats": "3", "proposed_candidates": "3", "deputy_seats": "0"},
    )
    assert "差额不足" in response.content.decode()
    assert not Election.objects.exists()


def test_registry_export_is_scoped(county, login):
    from python_calamine import CalamineWorkbook

    gw = county.users["gongwei"]
    services.register_term(actor=gw, org=county.branch_a1, started_on=date(2024, 1, 5))
    services.register_term(actor=gw, org=county.branch_b1, started_on=date(2024, 2, 5))

    def rows(user):
        response = login(user).get("/elections/terms/export/")
        assert response.status_code == 200
        data = b"".join(response.streaming_content)
        return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()

    all_rows = rows(gw)
    assert [r[0] for r in all_rows[1:]] == [county.branch_a1.name, county.branch_b1.name]
    assert [r[0] for r in rows(county.users["zhibu"])[1:]] == [county.branch_a1.name]
    assert login(county.users["dangyuan"]).get("/elections/terms/export/").status_code == 404


def test_api_terms_due_within_months(county, client):
    gw = county.users["gongwei"]
    today = timezone.localdate()
    services.register_term(
        actor=gw, org=county.branch_a1, started_on=add_years(today, -3) + timedelta(days=40)
    )
    services.register_term(actor=gw, org=county.branch_b1, started_on=add_years(today, -1))
    client.force_login(gw, backend="django.contrib.auth.backends.ModelBackend")
    body = client.get("/api/elections/terms", {"due_within_months": 2}).json()
    assert [t["org_id"] for t in body] == [county.branch_a1.pk]
    assert body[0]["overdue"] is False and body[0]["length_years"] == 3
    assert len(client.get("/api/elections/terms").json()) == 2
    client.force_login(county.users["zhibu2"], backend="django.contrib.auth.backends.ModelBackend")
    assert [t["org_id"] for t in client.get("/api/elections/terms").json()] == [county.branch_b1.pk]
    assert client.get("/api/elections/terms", {"due_within_months": -1}).status_code == 422


def test_reminders_page_shows_overdue_terms(county, login):
    services.register_term(
        actor=county.users["gongwei"],
        org=county.branch_a1,
        started_on=add_years(timezone.localdate(), -4),
    )
    from django.urls import reverse

    page = login(county.users["zhibu"]).get(reverse("core:reminders")).content.decode()
    assert "任期已届满，尚未换届" in page


def test_term_change_page_approval(county, login):
    term = services.register_term(
        actor=county.users["zhibu"], org=county.branch_a1, started_on=date(2024, 5, 10)
    )
    client = login(county.users["zhibu"])
    response = client.post(
        f"/elections/term/{term.pk}/change/", {"new_due_on": "2028-05-11", "reason": "改革"}
    )
    assert "延期换届超过12个月" in response.content.decode()
    client.post(
        f"/elections/term/{term.pk}/change/", {"new_due_on": "2028-05-10", "reason": "改革"}
    )
    change = TermChange.objects.get()
    client = login(county.users["dangwei"])
    client.post(f"/elections/term-change/{change.pk}/", {"approve": "1"})
    term.refresh_from_db()
    assert term.due_on == date(2028, 5, 10)


def test_demo_builds_terms_and_one_election_of_each_kind(county):
    from dangjian.accounts.models import Grant

    Grant.objects.filter(user=county.users["zhibu"]).update(org=county.branch_a2)
    counts = populate_demo(rng=random.Random(3), today=timezone.localdate())
    assert counts["任期"] == Term.objects.filter(opened_by__isnull=True).count() == 5
    assert counts["已完成的换届选举"] == 1 and counts["待批复的换届请示"] == 1
    assert Election.objects.filter(stage=Stage.COMPLETED).count() == 1
    assert TermChange.objects.filter(status="pending").count() == 1
    dangwei_term = Term.objects.get(org=county.dangwei_a, ended_on__isnull=True)
    assert dangwei_term.due_on - timezone.localdate() <= timedelta(days=61)
    assert Term.objects.filter(ended_on__isnull=True, due_on__lt=timezone.localdate()).exists()


def test_moving_a_branch_keeps_its_terms_in_scope_of_the_new_parent(county):
    from dangjian.orgs.services import move_subtree

    term = services.register_term(
        actor=county.users["gongwei"], org=county.branch_a1, started_on=date(2024, 1, 5)
    )
    move_subtree(county.branch_a1, county.dangwei_b)
    term.refresh_from_db()
    county.branch_a1.refresh_from_db()
    assert term.org_path == county.branch_a1.path
    from dangjian.elections.selectors import open_terms

    assert list(open_terms(county.users["dangwei"])) == []
