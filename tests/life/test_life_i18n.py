"""Rule labels and service messages of organisational life go through gettext (English users see
English once the catalogue has them); the rule-set pages still show them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from dangjian.core.rulesets import get_domain, rules_on
from dangjian.life import services
from dangjian.life.rules import DOMAIN

pytestmark = pytest.mark.django_db


def test_rule_labels_are_translatable():
    domain = get_domain(DOMAIN)
    assert isinstance(domain.label, Promise)
    assert all(isinstance(spec.label, Promise) for spec in domain.specs)


def test_rule_set_pages_still_show_the_life_labels(county, login):
    c = login(county.users["gongwei"])
    html = c.get(reverse("core:rulesets")).content.decode()
    assert "支委会须半数以上委员到会" in html and "支部党课每季度至少次数" in html
    r = c.get(reverse("core:ruleset_add", args=[DOMAIN]))
    assert r.status_code == 200 and "期末前提醒天数" in r.content.decode()
    assert "支委会须半数以上委员到会：是" in rules_on(DOMAIN, date(2025, 1, 1)).cite(
        "committee_quorum_over_half"
    )


def test_service_messages_follow_the_active_language(county, monkeypatch):
    """A message is looked up in the catalogue of the language in force when it is raised."""
    from dangjian.life import services as module

    seen = []

    def fake_gettext(text):
        seen.append((translation.get_language(), text))
        return "EN:" + text

    monkeypatch.setattr(module, "_", fake_gettext)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.record_meeting(
            actor=county.users["zhibu"],
            org=county.branch_a1,
            kind="nonsense",
            held_on=date(2025, 3, 1),
            topic="",
            attendance={county.members["a1"][0].pk: ("present", "")},
        )
    assert "EN:请选择会议类别。" in exc.value.messages
    assert ("en", "请填写会议主题。") in seen
