"""PDF documents (letters, forms, summaries) from HTML templates through WeasyPrint.

Fonts come from Debian's fonts-noto-cjk (the Serif face for 宋体-like official forms); nothing is
fetched over the network: a URL fetcher that refuses every remote address keeps it offline.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from django.template.loader import render_to_string

_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def capital_number(n: int) -> str:
    """An integer 0–9999 in 大写 numerals as official forms write them: 12 → 壹拾贰, 30 → 叁拾."""
    if not 0 <= n <= 9999:
        raise ValueError("capital_number supports 0–9999")
    if n == 0:
        return _DIGITS[0]
    units = ["", "拾", "佰", "仟"]
    digits = [int(d) for d in str(n)]
    out: list[str] = []
    zero_pending = False
    for i, d in enumerate(digits):
        place = len(digits) - 1 - i
        if d == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append(_DIGITS[0])
            zero_pending = False
        out.append(_DIGITS[d] + units[place])
    return "".join(out)


def capital_year_month(year: int, month: int) -> str:
    """党费交至年月 in capitals: 2026, 11 → 贰零贰陆年壹拾壹月 (each year digit, the month as a number)."""
    year_text = "".join(_DIGITS[int(d)] for d in str(year))
    return f"{year_text}年{capital_number(month)}月"


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _offline_fetcher(url: str, *args, **kwargs):
    from weasyprint.urls import default_url_fetcher

    if url.startswith(("file:", "data:")):
        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"PDF 生成不访问网络：{url}")


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    return HTML(string=html, url_fetcher=_offline_fetcher).write_pdf()


def pdf_response(
    template: str, context: dict, *, filename: str, request=None, inline: bool = True
) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(
        render_pdf(template, context, request=request), content_type="application/pdf"
    )
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response
