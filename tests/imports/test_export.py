"""Export of the filtered member list: same scope and filters as the page, masked, audited."""

import io
import re
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.core.crypto import provider
from dangjian.core.scope import restrict
from dangjian.members.models import Member

FULL_ID = re.compile(r"\d{17}[\dX]")


def _sheet(resp) -> list[list]:
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(resp.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def _page_count(client, params: dict) -> int:
    return client.get(reverse("members:list"), params).context["table"].paginator.count


def test_gongwei_exports_whole_list_masked(county, login):
    user = county.users["gongwei"]
    c = login(user)
    rows = _sheet(c.get(reverse("members:export")))
    header, data = rows[0], rows[1:]
    assert header[:12] == ["姓名", "性别", "民族", "出生日期", "身份证号", "学历", "职业", "联系电话",
                           "入党日期", "转正日期", "党员类别", "所在党组织代码"]  # fmt: skip
    visible = restrict(user, "export", Member.objects.all())
    assert len(data) == visible.count() == _page_count(c, {}) == 12
    text = "\n".join(str(cell) for row in data for cell in row)
    assert not FULL_ID.search(text)
    crypto = provider()
    for m in visible:
        number = crypto.decrypt(m.id_number_enc)
        assert number not in text and m.id_number_masked in text
        assert crypto.decrypt(m.phone_enc) not in text
    assert {r[1] for r in data} <= {"男", "女"} and {r[5] for r in data} == {"大学本科"}
    assert not any((Path(settings.MEDIA_ROOT) / "exports").iterdir())  # no file left behind


def test_filtered_export_matches_the_page(county, login):
    c = login(county.users["gongwei"])
    target = county.members["a1"][2]
    for params in (
        {"org": county.dangwei_a.pk},
        {"org": county.branch_a1.pk, "q": target.name},
        {"q": target.pinyin_initials},
        {"gender": "male", "sort": "-joined_on"},
    ):
        data = _sheet(c.get(reverse("members:export"), params))[1:]
        assert len(data) == _page_count(c, params), params
    data = _sheet(c.get(reverse("members:export"), {"org": county.branch_a1.pk, "q": target.name}))[
        1:
    ]
    assert target.name in {r[0] for r in data}


def test_zhibu_export_contains_only_its_branch(county, login):
    c = login(county.users["zhibu"])
    data = _sheet(c.get(reverse("members:export")))[1:]
    assert len(data) == Member.objects.filter(org=county.branch_a1).count()
    assert {r[11] for r in data} == {"T111"}
    assert c.get(reverse("members:export"), {"org": county.branch_b1.pk}).status_code == 404


@pytest.mark.parametrize("username", ["dangyuan", "shenji", "admin", "nobody"])
def test_roles_without_export_get_404(county, login, username):
    c = login(county.users[username])
    assert c.get(reverse("members:export")).status_code == 404


def test_export_is_audited_with_masked_filters(county, login):
    user = county.users["gongwei"]
    c = login(user)
    member = county.members["b1"][0]
    number = provider().decrypt(member.id_number_enc)
    data = _sheet(c.get(reverse("members:export"), {"q": number}))[1:]
    assert [r[0] for r in data] == [member.name]
    event = LogEntry.objects.filter(additional_data__event="export").latest("timestamp")
    assert event.actor_id == user.pk and event.additional_data["rows"] == 1
    assert number not in str(event.additional_data)
    assert event.additional_data["filters"]["q"] == member.id_number_masked
    assert event.additional_data["org_path"] == county.gongwei.path
