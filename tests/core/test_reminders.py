import pytest

from dangjian.core import reminders
from dangjian.core.reminders import Reminder, register_reminders
from dangjian.core.scope import scope_paths


@pytest.fixture
def provider():
    def _provider(user, today):
        # Only what the user's own scope holds: a real provider reads through restrict().
        roots = scope_paths(user, "view", "member")
        return [
            Reminder("测试", "本月到期", len(roots), "/members/"),
            Reminder("测试", "已逾期", 2 * len(roots), "/members/?overdue=1", overdue=True),
            Reminder("测试", "没有事项", 0, "/"),
        ]

    register_reminders("test", _provider)
    yield
    reminders._PROVIDERS.pop("test", None)


def test_reminders_page_lists_overdue_first_and_hides_empty_items(county, login, provider):
    page = login(county.users["zhibu"]).get("/todo/").content.decode()
    assert page.index("已逾期") < page.index("本月到期")
    assert "没有事项" not in page
    assert 'href="/members/?overdue=1">2<' in page


def test_reminders_page_without_items(county, login):
    page = login(county.users["dangyuan"]).get("/todo/").content.decode()
    assert "目前没有到期或逾期的事项" in page


def test_menu_shows_reminders_to_staff_only(county, login, client):
    assert "待办提醒" in login(county.users["zhibu"]).get("/rules/").content.decode()
    login(county.users["shenji"])
    assert "待办提醒" not in client.get("/rules/").content.decode()
