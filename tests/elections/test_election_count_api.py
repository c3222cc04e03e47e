"""POST /api/elections/count: the same answer as the engine, Chinese errors, the OpenAPI schema."""

import json
from dataclasses import asdict
from datetime import date

import pytest
from django.test import Client

from dangjian.accounts.tokens import issue_token
from dangjian.core.rulesets import add_ruleset, rules_on
from dangjian.elections.count import Candidate, CountInput, count_ballots

URL = "/api/elections/count"

BODY = {
    "seats": 2,
    "electorate": 50,
    "present": 42,
    "ballots_issued": 42,
    "ballots_returned": 42,
    "candidates": [{"id": "a", "name": "张三"}, {"id": "b", "name": "李四"}, {"id": "c"}],
    "ballots": [["a", "b"]] * 22 + [["a", "c"]] * 10 + [["c"]] * 9 + [["a", "b", "c"]],
}


def post(client: Client, body: dict, **headers):
    return client.post(URL, body, content_type="application/json", headers=headers)


@pytest.fixture
def api(county):
    client = Client()
    client.force_login(county.users["zhibu"], backend="django.contrib.auth.backends.ModelBackend")
    return client


def engine(body: dict, day: date) -> dict:
    spec = CountInput(
        seats=body["seats"],
        electorate=body["electorate"],
        present=body["present"],
        ballots_issued=body["ballots_issued"],
        ballots_returned=body["ballots_returned"],
        candidates=[Candidate(c["id"], c.get("name", "")) for c in body["candidates"]],
        ballots=body.get("ballots"),
        totals=body.get("totals"),
        invalid_count=body.get("invalid_count"),
        threshold_base=body.get("threshold_base"),
    )
    return json.loads(json.dumps(asdict(count_ballots(spec, rules_on("elections", day)))))


def test_the_api_answers_exactly_what_the_engine_computes(api):
    response = post(api, BODY)

    assert response.status_code == 200
    body = response.json()
    assert body == engine(BODY, date.today())
    assert body["status"] == "counted"
    assert body["elected"] == ["a"]
    assert body["threshold"] == {
        "base": "electorate",
        "base_count": 50,
        "minimum_votes": 26,
        "overridden": False,
    }
    assert body["invalid_details"][0]["reasons"] == ["over_vote"]
    assert [t["votes"] for t in body["tallies"]] == [32, 22, 19]
    assert body["tallies"][2]["name"] == "c"
    assert body["follow_up"][0]["kind"] == "additional"
    assert "应到会有选举权人数50人，实到会有选举权人数42人" in body["explanation"][1]


def test_the_threshold_base_may_be_chosen_per_request(api):
    body = post(api, {**BODY, "threshold_base": "present"}).json()

    assert body["threshold"]["base"] == "present" and body["threshold"]["overridden"] is True
    assert body["threshold"]["minimum_votes"] == 22
    assert body["elected"] == ["a", "b"]


def test_the_rules_in_force_on_the_election_day_apply(api, county):
    add_ruleset(
        actor=county.users["gongwei"],
        domain_key="elections",
        name="本地选举办法（2026年）",
        effective_from=date(2026, 1, 1),
        values={"threshold_base": "present", "quorum_strict": False},
    )
    before = post(api, {**BODY, "on": "2025-12-31"}).json()
    after = post(api, {**BODY, "on": "2026-01-01"}).json()

    assert before["elected"] == ["a"] and before["rules"]["threshold_base"] == "electorate"
    assert after["elected"] == ["a", "b"] and after["rules"]["version"] == "本地选举办法（2026年）"
    assert after["quorum"]["strict"] is False
    assert after == engine({**BODY}, date(2026, 1, 1))


def test_a_bearer_token_works_too(county):
    issued = issue_token(user=county.users["dangyuan"])
    response = post(Client(), BODY, Authorization=f"Bearer {issued.token}")

    assert response.status_code == 200 and response.json()["elected"] == ["a"]


def test_anonymous_callers_are_refused(db):
    response = post(Client(), BODY)

    assert response.status_code == 401


def test_totals_with_integer_ids(api):
    body = {
        **BODY,
        "candidates": [{"id": 1, "name": "张三"}, {"id": 2, "name": "李四"}],
        "ballots": None,
        "totals": {"1": 40, "2": 30},
        "invalid_count": 1,
    }
    answer = post(api, body).json()

    assert answer["valid_ballots"] == 41 and answer["invalid_ballots"] == 1
    assert answer["blank_ballots"] is None
    assert answer["elected"] == ["1", "2"]


def test_a_void_election_is_an_answer_not_an_error(api):
    response = post(api, {**BODY, "ballots_issued": 41, "ballots": BODY["ballots"][:41] + [["a"]]})

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "void" and body["void"] is True
    assert body["elected"] == [] and body["tallies"] == [] and body["threshold"] is None
    assert "选举无效，应重新进行选举" in body["explanation"][-2]


def test_a_missed_quorum_is_an_answer_not_an_error(api):
    body = post(
        api, {**BODY, "present": 40, "ballots_issued": 40, "ballots_returned": 40,
              "ballots": BODY["ballots"][:40]}
    ).json()  # fmt: skip

    assert body["status"] == "quorum_not_met"
    assert body["quorum"] == {
        "electorate": 50,
        "present": 40,
        "numerator": 4,
        "denominator": 5,
        "strict": True,
        "required": "40",
        "minimum_present": 41,
        "met": False,
    }
    assert body["elected"] == []


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"present": 51}, "实到会有选举权人数（51人）不能多于应到会有选举权人数（50人）"),
        ({"ballots_issued": 43}, "发出的选票（43张）不能多于实到会有选举权人数（42人）"),
        ({"seats": -2}, "“应选名额”不能为负数"),
        ({"candidates": [{"id": "a"}, {"id": "a"}]}, "候选人编号重复：a"),
        ({"ballots": [["a"]] * 41}, "逐张选票共41张，与收回的选票数（42张）不一致"),
        ({"totals": {"a": 1}}, "二者必须且只能提供一种"),
        ({"ballots": None, "totals": {"a": 43}}, "张三得43票，多于有效票数（42张）"),
        (
            {"ballots": None, "totals": {"a": 42, "b": 42, "c": 1}},
            "各候选人得票合计85票，超过有效票数×应选名额（42×2＝84票）",
        ),
    ],
)
def test_inconsistent_input_is_400_with_a_chinese_detail(api, changes, text):
    response = post(api, {**BODY, **changes})

    assert response.status_code == 400
    assert text in response.json()["detail"]


@pytest.mark.parametrize(
    "changes",
    [
        {"threshold_base": "half"},
        {"seats": "two"},
        {"candidates": []},
        {"ballots": "a,b"},
        {"on": "2026-13-01"},
    ],
)
def test_schema_errors_are_422(api, changes):
    response = post(api, {**BODY, **changes})

    assert response.status_code == 422
    assert response.json()["detail"] == "请求参数不正确。"


def test_a_missing_field_is_422(api):
    body = {k: v for k, v in BODY.items() if k != "seats"}

    assert post(api, body).status_code == 422


def test_the_openapi_schema_documents_the_fields_in_chinese(client, db):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"][URL]["post"]
    components = schema["components"]["schemas"]

    assert operation["summary"] == "换届选举计票"
    assert set(operation["responses"]) >= {"200", "400"}
    fields = components["CountIn"]["properties"]
    assert "应到会有选举权人数" in fields["electorate"]["description"]
    assert all(f.get("description") for f in fields.values())
    assert components["ThresholdBase"]["enum"] == ["electorate", "present"]
    assert set(components["CountOut"]["properties"]) >= {"status", "elected", "explanation"}
