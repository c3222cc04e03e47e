"""Versioned rule sets: every statutory number lives here with its source (ARCHITECTURE.md §1).

An app declares its domain once — the rules, their built-in values taken from RULES.md, their
units and sources — with `register_domain`. `rules_on(domain, day)` gives the values in force on
that day: the latest stored `RuleSet` whose effective date is on or before the day, else the
built-in version. A check that fails names the rule and its source through `Rules.cite`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

KINDS = ("int", "decimal", "bool", "text")


@dataclass(frozen=True)
class RuleSpec:
    key: str
    label: str  # what the number means, in Chinese, e.g. "递交申请书后谈话期限"
    default: object
    kind: str = "int"  # int | decimal | bool | text
    unit: str = ""  # 日 / 个月 / 年 / 岁 / 学时 / 人 …
    source: str = ""  # e.g. "《发展党员工作细则》第七条（RULES.md 2.3）"
    grade: str = "B"  # the RULES.md grade; "?" marks a setting with a documented default
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Domain:
    key: str
    label: str
    builtin_name: str
    builtin_from: date
    specs: tuple[RuleSpec, ...]

    def spec(self, key: str) -> RuleSpec:
        for spec in self.specs:
            if spec.key == key:
                return spec
        raise KeyError(key)


_DOMAINS: dict[str, Domain] = {}


def register_domain(domain: Domain) -> Domain:
    keys = [s.key for s in domain.specs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate rule keys in {domain.key}")
    _DOMAINS[domain.key] = domain
    return domain


def domains() -> list[Domain]:
    return list(_DOMAINS.values())


def get_domain(key: str) -> Domain:
    try:
        return _DOMAINS[key]
    except KeyError:
        raise ValidationError({"domain": "未知的规则领域。"}) from None


@dataclass(frozen=True)
class Rules:
    """The values of one domain in force on a day, with the version they came from."""

    domain: Domain
    version: str
    effective_from: date
    values: dict
    ruleset_id: int | None = None

    def __getitem__(self, key: str):
        return self.values[key]

    def __getattr__(self, key: str):
        try:
            return self.values[key]
        except KeyError:
            raise AttributeError(key) from None

    def cite(self, key: str) -> str:
        """「label：value unit」 and where the rule comes from, for error messages."""
        spec = self.domain.spec(key)
        value = self.values[key]
        shown = ("是" if value else "否") if spec.kind == "bool" else f"{value}{spec.unit}"
        public = public_source(spec.source)
        source = f"，依据{public}" if public else ""
        return f"{spec.label}：{shown}（{self.version}{source}）"


_DIGEST_REF = re.compile(r"RULES\.md\s*[\d.]+[，,、；;]?\s*")


def public_source(source: str) -> str:
    """A source as users read it: the project's digest reference ("RULES.md 2.3") is for the
    rule-set page and developers, not for a message to a branch secretary."""
    text = _DIGEST_REF.sub("", source or "")
    return re.sub(r"[（(]\s*[）)]", "", text).strip()


def builtin_rules(domain_key: str) -> Rules:
    domain = get_domain(domain_key)
    return Rules(
        domain=domain,
        version=domain.builtin_name,
        effective_from=domain.builtin_from,
        values={s.key: s.default for s in domain.specs},
    )


def rules_on(domain_key: str, day: date) -> Rules:
    """The rule set of `domain_key` in force on `day`."""
    from dangjian.core.models import RuleSet

    domain = get_domain(domain_key)
    stored = (
        RuleSet.objects.filter(domain=domain_key, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )
    if stored is None:
        return builtin_rules(domain_key)
    values = {s.key: stored.values.get(s.key, s.default) for s in domain.specs}
    return Rules(domain, stored.name, stored.effective_from, values, stored.pk)


def versions(domain_key: str) -> list[Rules]:
    """Every version of a domain, newest first, the built-in one last."""
    from dangjian.core.models import RuleSet

    domain = get_domain(domain_key)
    out = [
        Rules(
            domain,
            r.name,
            r.effective_from,
            {s.key: r.values.get(s.key, s.default) for s in domain.specs},
            r.pk,
        )
        for r in RuleSet.objects.filter(domain=domain_key).order_by("-effective_from")
    ]
    out.append(builtin_rules(domain_key))
    return out


def clean_value(spec: RuleSpec, raw) -> object:
    """One submitted value, checked against its kind and bounds; a clear Chinese error otherwise."""
    text = str(raw).strip() if raw is not None else ""
    if spec.kind == "bool":
        return text.lower() in {"1", "true", "on", "yes", "是"}
    if spec.kind == "text":
        return text
    if text == "":
        raise ValidationError({spec.key: f"请填写“{spec.label}”。"})
    try:
        value = int(text) if spec.kind == "int" else Decimal(text)
    except (ValueError, InvalidOperation):
        raise ValidationError({spec.key: f"“{spec.label}”应为数字。"}) from None
    if spec.minimum is not None and value < spec.minimum:
        raise ValidationError({spec.key: f"“{spec.label}”不能小于{spec.minimum}{spec.unit}。"})
    if spec.maximum is not None and value > spec.maximum:
        raise ValidationError({spec.key: f"“{spec.label}”不能大于{spec.maximum}{spec.unit}。"})
    return value if spec.kind == "int" else str(value)


@transaction.atomic
def add_ruleset(
    *, actor, domain_key: str, name: str, effective_from: date, values: dict, basis: str = ""
):
    """A new version of a domain's rules. Only roles with `add` on rule sets; audited by auditlog."""
    from dangjian.accounts.roles import RULESET
    from dangjian.core.models import RuleSet
    from dangjian.core.scope import has_any

    if not has_any(actor, "add", RULESET):
        raise ValidationError("您没有维护规则版本的权限。")
    domain = get_domain(domain_key)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写版本名称，例如文件名称和文号。"})
    if effective_from is None:
        raise ValidationError({"effective_from": "请填写生效日期。"})
    if effective_from <= domain.builtin_from:
        raise ValidationError(
            {
                "effective_from": f"生效日期应晚于内置版本的生效日期（{domain.builtin_from:%Y年%-m月%-d日}）。"
            }
        )
    if RuleSet.objects.filter(domain=domain_key, effective_from=effective_from).exists():
        raise ValidationError({"effective_from": "该日期已有一个规则版本，请换一个生效日期。"})
    errors: dict = {}
    cleaned: dict = {}
    for spec in domain.specs:
        try:
            cleaned[spec.key] = clean_value(spec, values.get(spec.key, spec.default))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return RuleSet.objects.create(
        domain=domain_key,
        name=name,
        effective_from=effective_from,
        values=cleaned,
        basis=(basis or "").strip(),
        created_by=actor,
    )
