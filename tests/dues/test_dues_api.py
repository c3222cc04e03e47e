"""GET /api/dues/amount and the OpenAPI schema."""

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.dues.standards import BUILTIN_NAME, add_standard


def _client(county, username="zhibu"):
    client = Client()
    client.force_login(county.users[username], backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_amount_answers_with_rate_and_standard(county):
    response = _client(county).get(
        "/api/dues/amount", {"category": "salaried", "base": "3000.01", "on": "2026-05-01"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "amount": "30.00",
        "rate": "0.01",
        "standard": {"name": BUILTIN_NAME, "effective_from": "2008-04-01"},
    }


def test_on_defaults_to_today(county):
    add_standard(
        actor=county.users["gongwei"],
        name="今天起",
        effective_from=timezone.localdate(),
        categories={"salaried": {"brackets": [{"upto": None, "rate": "0.01"}]}},
    )
    body = _client(county).get("/api/dues/amount", {"category": "salaried", "base": "100"}).json()
    assert body["amount"] == "1.00" and body["standard"]["name"] == "今天起"


def test_fixed_amount_has_no_rate(county):
    body = _client(county).get("/api/dues/amount", {"category": "low_income"}).json()
    assert body["amount"] == "0.20" and body["rate"] is None


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"category": "farmer"}, "农民党员的党费金额由各省规定"),
        ({"category": "salaried", "base": "-5"}, "负数"),
        ({"category": "salaried", "base": "1.234"}, "两位小数"),
        ({"category": "salaried", "base": "3000", "on": "2008-03-31"}, "2008年4月1日"),
    ],
)
def test_errors_are_400_with_a_chinese_detail(county, params, text):
    response = _client(county).get("/api/dues/amount", params)
    assert response.status_code == 400
    assert text in response.json()["detail"]


def test_unknown_category_is_refused(county):
    response = _client(county).get("/api/dues/amount", {"category": "teacher", "base": "1"})
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_anonymous_is_refused(db):
    response = Client().get("/api/dues/amount", {"category": "salaried", "base": "1"})
    assert response.status_code == 401


def test_bearer_token_works(county):
    from dangjian.accounts.tokens import issue_token

    issued = issue_token(user=county.users["gongwei"])
    response = Client().get(
        "/api/dues/amount",
        {"category": "retired", "base": "5000", "on": date(2026, 1, 1).isoformat()},
        headers={"Authorization": f"Bearer {issued.token}"},
    )
    assert response.status_code == 200 and response.json()["amount"] == "25.00"


def test_openapi_lists_the_category_enum(client, db):
    schema = client.get("/api/openapi.json").json()
    params = schema["paths"]["/api/dues/amount"]["get"]["parameters"]
    category = next(p for p in params if p["name"] == "category")
    ref = category["schema"].get("$ref")
    enum_schema = (
        schema["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else category["schema"]
    )
    assert enum_schema["enum"] == [
        "salaried",
        "annual_salary",
        "self_employed",
        "retired",
        "farmer",
        "low_income",
    ]
