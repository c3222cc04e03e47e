"""The funds 经费 pages on a phone (wide tables turn into labelled cards) and their strings wrapped
for translation (a Chinese label left as a plain str would stay Chinese on the English pages)."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils.functional import Promise

from dangjian.funds import forms as fund_forms
from dangjian.funds import services
from dangjian.funds.models import Fund

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_budget_rows_label_each_figure_for_the_phone_layout(county, login):
    gw = county.users["gongwei"]
    year = date.today().year
    services.set_budget(
        actor=gw, org=county.gongwei, year=year, fund=Fund.BUDGET, purpose="training",
        amount="5000",
    )  # fmt: skip
    html = login(gw).get(reverse("funds:budget", args=[county.gongwei.pk])).content.decode()
    assert 'class="stack"' in html
    for label in ("预算（元）", "实际支出（元）", "预算余额（元）", "执行率"):
        assert f'data-label="{label}"' in html


def test_sources_rows_carry_a_phone_card_of_every_fund(county, login):
    gw = county.users["gongwei"]
    services.record_funding(
        actor=gw, org=county.gongwei, fund=Fund.BUDGET, amount="1000",
        occurred_on=date(2020, 1, 2), counterparty_name="县财政局",
    )  # fmt: skip
    html = login(gw).get(reverse("funds:sources")).content.decode()
    cards = re.findall(r'<dl class="source-cells">(.*?)</dl>', html, flags=re.S)
    # the own row, one per lower organisation and the total
    assert len(cards) >= 3
    assert all(card.count("<dt>") == len(Fund.choices) for card in cards)
    assert "1,000.00" in cards[0] and "收入1,000.00" in cards[0]


@pytest.mark.parametrize(
    "form",
    [fund_forms.RemitForm, fund_forms.ExpenseForm, fund_forms.CorrectForm, fund_forms.IncomeForm],
)
def test_funds_form_labels_and_help_are_translatable(form):
    for name, field in form.base_fields.items():
        for text in (field.label, field.help_text):
            if text and CJK.search(str(text)):
                assert isinstance(text, Promise), f"{form.__name__}.{name}: {text}"


def test_filter_and_year_choices_are_translatable():
    form = fund_forms.LedgerFilterForm(years=[2024])
    assert all(isinstance(f.label, Promise) for f in form.fields.values())
    assert str(form.fields["year"].choices[1][1]) == "2024年"
