"""The read-only 党费标准 page."""

from datetime import date

import pytest

from dangjian.dues.standards import add_standard


@pytest.mark.parametrize("username", ["gongwei", "admin", "dangwei", "zhibu", "shenji"])
def test_staff_see_the_builtin_version(county, login, username):
    html = login(county.users[username]).get("/dues/standards/").content.decode()
    assert "中组发〔2008〕3号" in html
    for text in (
        "月工资 3000元以下（含）：0.5%",
        "月工资 10000元以上：2%",
        "月离退休费 5000元以上：1%",
        "每月金额未设置（由各省规定）",
        "每月 0.2 元",
        "按0.01元四舍五入",
        "RULES.md 1.3",
    ):
        assert text in html


def test_stored_versions_are_listed_first(county, login):
    add_standard(
        actor=county.users["gongwei"],
        name="某省党费标准（2020）",
        effective_from=date(2020, 1, 1),
        categories={"farmer": {"amount": "0.5"}},
        rounding_step="0.1",
    )
    html = login(county.users["gongwei"]).get("/dues/standards/").content.decode()
    assert html.index("某省党费标准（2020）") < html.index(
        "《关于中国共产党党费收缴、使用和管理的规定》（中组发"
    )
    assert "每月 0.5 元" in html and "按0.1元四舍五入" in html


@pytest.mark.parametrize("username", ["dangyuan", "nobody"])
def test_members_and_users_without_grants_get_404(county, login, username):
    assert login(county.users[username]).get("/dues/standards/").status_code == 404


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/dues/standards/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
