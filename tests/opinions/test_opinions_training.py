"""The category suggester is trained on the deployment's own classified cases; no history, no guess."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dangjian.opinions import training
from dangjian.opinions.models import Case, Opinion

pytestmark = pytest.mark.django_db

SCHOOL = [
    "学校食堂饭菜质量差",
    "学校操场设施损坏",
    "校舍教室漏雨",
    "课后服务收费不透明",
    "学位紧张入学难",
]
HEALTH = [
    "卫生室缺医生看病难",
    "社区卫生服务站排队太久",
    "家庭医生不上门",
    "疫苗接种预约难",
    "医院挂号难",
]


def _history(setting, n_each: int):
    today = timezone.localdate()
    gw = setting.county.gongwei
    for i in range(n_each):
        for texts, cat in ((SCHOOL, setting.school), (HEALTH, setting.health)):
            text = f"{texts[i % len(texts)]}（{i}）"
            case = Case.objects.create(
                number=f"H-{cat.pk}-{i}", title=text, category=cat, intake_org=gw, intake_path=gw.path,
                routed_on=today, level="single",
            )  # fmt: skip
            Opinion.objects.create(
                receipt=f"R{cat.pk}{i:05d}", text=text, channel="visit", received_at=timezone.now(),
                intake_org=gw, intake_path=gw.path, case=case,
            )  # fmt: skip


def test_no_history_suggests_nothing(setting, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    _history(setting, 3)  # 6 cases: too few
    out = StringIO()
    call_command("opinions-train", stdout=out)
    assert "不提供类别建议" in out.getvalue()
    assert not training.model_path().exists()
    assert training.suggest_for("学校食堂饭菜不好") is None


def test_trained_model_suggests_and_the_route_form_shows_it(setting, settings, tmp_path, login):
    settings.VAR_DIR = tmp_path
    _history(setting, 20)
    out = StringIO()
    call_command("opinions-train", stdout=out)
    assert training.model_path().exists() and "40件" in out.getvalue()
    category, confidence = training.suggest_for("学校食堂的饭菜质量很差")
    assert category == setting.school and confidence >= 0.6
    from dangjian.opinions import services

    op = services.record_opinion(
        actor=setting.county.users["gongwei"],
        data=services.OpinionInput(text="学校食堂饭菜质量太差了", place=setting.place),
        channel="visit",
        intake_org=setting.county.gongwei,
    )
    case = services.consolidate(
        actor=setting.county.users["gongwei"], opinions=[op], title="学校食堂饭菜质量差"
    )
    r = login(setting.county.users["gongwei"]).get(reverse("opinions:case", args=[case.pk]))
    assert "系统按以往事项建议类别：教育文体" in r.content.decode()
