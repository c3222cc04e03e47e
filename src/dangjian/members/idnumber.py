"""居民身份证号 checks (GB 11643) with messages a branch secretary can act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric

from dangjian.members.choices import Gender


@dataclass(frozen=True)
class IdNumberCheck:
    number: str
    birth_date: date
    gender: str
    warnings: list[str] = field(default_factory=list)


def mask_id_number(number: str) -> str:
    """350402********1234: region and last four, the form lists and exports show."""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


@lru_cache(maxsize=8192)
def region_known(code: str) -> bool:
    """Whether the six-digit region code was ever a county code.

    Deliberately ignores the years a code was in use: numbers are issued at registration, not at
    birth, so someone born in 1980 rightly holds a code first assigned in 1983.
    """
    results = numdb.get("cn/loc").info(code)
    return any("county" in props for _, props in results)


def check_id_number(
    value: str, *, birth_date: date | None = None, gender: str | None = None
) -> IdNumberCheck:
    """Validate an 18-digit ID number and cross-check it against what was entered.

    Raises ValidationError with a Chinese message; an unknown region code is only a warning,
    because region codes change and the check digit already proves the number was issued whole.
    """
    number = ric.compact(value or "")
    if not number:
        raise ValidationError("身份证号不能为空。")
    if len(number) != 18:
        raise ValidationError(f"身份证号应为18位，现为{len(number)}位。")
    if not number[:-1].isdigit() or not (number[-1].isdigit() or number[-1] == "X"):
        raise ValidationError("身份证号只能由数字组成，最后一位可以是X。")
    if number[-1] != ric.calc_check_digit(number):
        raise ValidationError("身份证号校验位不正确，请核对是否抄错。")
    try:
        derived_birth = ric.get_birth_date(number)
    except stdnum_errors.ValidationError as exc:
        raise ValidationError("身份证号中的出生日期不是有效日期。") from exc
    if derived_birth > timezone.localdate():
        raise ValidationError("身份证号中的出生日期晚于今天。")
    derived_gender = Gender.MALE if int(number[16]) % 2 == 1 else Gender.FEMALE
    if birth_date is not None and birth_date != derived_birth:
        raise ValidationError(
            f"出生日期与身份证号不一致：身份证号显示为{derived_birth:%Y年%-m月%-d日}。"
        )
    if gender and gender != derived_gender:
        raise ValidationError(f"性别与身份证号不一致：身份证号显示为{Gender(derived_gender).label}。")
    warnings: list[str] = []
    if not region_known(number[:6]):
        warnings.append(f"身份证号的地区码{number[:6]}不在行政区划代码表中，请核实。")
    return IdNumberCheck(number=number, birth_date=derived_birth, gender=derived_gender, warnings=warnings)


def make_id_number(region: str, birth_date: date, sequence: int, gender: str) -> str:
    """Compose a valid 18-digit number (demo data and tests): sequence parity carries the gender."""
    seq = sequence % 1000
    if (seq % 2 == 1) != (gender == Gender.MALE):
        seq = (seq + 1) % 1000
    body = f"{region}{birth_date:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # the function skips a check-digit slot
