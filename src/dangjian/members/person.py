"""Person fields shared by every register of people (members, applicants, incoming transfers):
one cleaning and one way of storing the ID number and phone, so each register checks a person the
same way and keeps the same encrypted, blind-indexed and masked forms."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Choices

from dangjian.core.choices import choice_labels, choice_value
from dangjian.core.crypto import provider
from dangjian.core.strokes import pinyin_full, pinyin_initials, stroke_key
from dangjian.members.choices import ETHNICITIES
from dangjian.members.idnumber import check_id_number, mask_id_number, mask_phone

ID_INDEX_PURPOSE = "member.id_number"
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")

Errors = dict[str, str]


def id_number_index(number: str) -> str:
    return provider().blind_index(number.upper(), purpose=ID_INDEX_PURPOSE)


def clean_name(raw: dict, errors: Errors) -> str:
    name = "".join(str(raw.get("name") or "").split())
    if not name:
        errors["name"] = "姓名不能为空。"
    elif len(name) > 50:
        errors["name"] = "姓名过长（不超过50个字）。"
    return name


def pick_choice(raw: dict, key: str, choices: type[Choices], label: str, errors: Errors) -> str:
    value = choice_value(choices, raw.get(key))
    if value is None:
        errors[key] = (
            f"{label}应为：{choice_labels(choices)}。" if raw.get(key) else f"{label}不能为空。"
        )
    return value or ""


def clean_ethnicity(raw: dict, errors: Errors) -> str:
    """The 56 official names; "汉" is accepted for "汉族"."""
    ethnicity = str(raw.get("ethnicity") or "").strip()
    if ethnicity and not ethnicity.endswith("族") and f"{ethnicity}族" in ETHNICITIES:
        ethnicity = f"{ethnicity}族"
    if ethnicity not in ETHNICITIES:
        errors["ethnicity"] = (
            f"民族“{ethnicity}”不是56个民族的规范名称。" if ethnicity else "民族不能为空。"
        )
    return ethnicity


def clean_id_number(
    raw: dict, birth_date: date | None, gender: str, errors: Errors
) -> tuple[str, date | None, list[str]]:
    """The number, the birth date (as given, else read from the number) and any warnings."""
    try:
        check = check_id_number(
            str(raw.get("id_number") or ""), birth_date=birth_date, gender=gender or None
        )
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
        return "", birth_date, []
    return check.number, birth_date or check.birth_date, list(check.warnings)


def clean_phone(raw: dict, errors: Errors) -> str:
    phone = "".join(str(raw.get("phone") or "").split())
    if phone and not PHONE.match(phone):
        errors["phone"] = "联系电话应为11位手机号或带区号的固定电话。"
    return phone


def store_person(person, *, id_number: str, phone: str) -> None:
    """Encrypted ID number with its blind index and mask, encrypted phone with its mask, and the
    name's sort keys (姓氏笔画, pinyin), on any register's row."""
    crypto = provider()
    person.id_number_enc = crypto.encrypt(id_number)
    person.id_number_hash = id_number_index(id_number)
    person.id_number_masked = mask_id_number(id_number)
    person.phone_enc = crypto.encrypt(phone) if phone else ""
    person.phone_masked = mask_phone(phone) if phone else ""
    store_name_keys(person)


def store_name_keys(person) -> None:
    """The name's sort keys: 姓氏笔画 and pinyin (full and initials)."""
    person.stroke_key = stroke_key(person.name)
    person.pinyin = pinyin_full(person.name)[:200]
    person.pinyin_initials = pinyin_initials(person.name)[:30]
