"""Rule-set pages: every statutory number with its source, each version with its effective date."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from dangjian.accounts.roles import RULESET
from dangjian.core.forms import ChineseForm, form_page
from dangjian.core.rulesets import Domain, add_ruleset, domains, get_domain, rules_on, versions
from dangjian.core.scope import has_any


@login_required
def ruleset_list(request):
    if not has_view(request.user):
        raise Http404
    today = timezone.localdate()
    sections = []
    for domain in domains():
        in_force = rules_on(domain.key, today)
        rows = []
        all_versions = versions(domain.key)
        for spec in domain.specs:
            rows.append(
                {
                    "spec": spec,
                    "values": [_shown(spec, v.values[spec.key]) for v in all_versions],
                }
            )
        sections.append(
            {
                "domain": domain,
                "in_force": in_force,
                "versions": all_versions,
                "rows": rows,
            }
        )
    return render(
        request,
        "core/rulesets.html",
        {"sections": sections, "today": today, "can_add": has_any(request.user, "add", RULESET)},
    )


def has_view(user) -> bool:
    return has_any(user, "view", RULESET)


def _shown(spec, value) -> str:
    if spec.kind == "bool":
        return "是" if value else "否"
    if value in (0, "0") and spec.grade in ("?", "L"):
        return "不启用"
    return f"{value}{spec.unit}"


class RuleSetForm(ChineseForm):
    name = forms.CharField(
        label="版本名称", max_length=200, help_text="文件名称和文号，例如《……细则》（2026年修订）"
    )
    effective_from = forms.DateField(
        label="生效日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    basis = forms.CharField(
        label="依据和说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, domain: Domain, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in domain.specs:
            help_text = "；".join(
                t for t in (spec.source, "可设置项" if spec.grade in ("?", "L") else "") if t
            )
            if spec.kind == "bool":
                field = forms.BooleanField(label=spec.label, required=False, help_text=help_text)
            elif spec.kind == "text":
                field = forms.CharField(label=spec.label, required=False, help_text=help_text)
            else:
                unit = f"（{spec.unit}）" if spec.unit else ""
                field = forms.CharField(label=f"{spec.label}{unit}", help_text=help_text)
            field.initial = current.get(spec.key)
            self.fields[f"rule_{spec.key}"] = field


@login_required
def ruleset_add(request, domain: str):
    if not has_any(request.user, "add", RULESET):
        raise Http404
    try:
        dom = get_domain(domain)
    except Exception as exc:
        raise Http404 from exc
    current = rules_on(dom.key, timezone.localdate()).values
    form = RuleSetForm(request.POST or None, domain=dom, current=current)

    def save(data: dict):
        values = {
            key.removeprefix("rule_"): value
            for key, value in data.items()
            if key.startswith("rule_")
        }
        return add_ruleset(
            actor=request.user,
            domain_key=dom.key,
            name=data["name"],
            effective_from=data["effective_from"],
            values=values,
            basis=data["basis"],
        )

    return form_page(
        request,
        form,
        title=f"新增规则版本：{dom.label}",
        save=save,
        success="规则版本已保存，自生效日期起适用。",
        next_url=lambda _r: reverse("core:rulesets") + f"#{dom.key}",
    )
