"""Chinese-first UI through gettext: Chinese by default, English from the committed catalogue."""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

import dangjian

LOCALE_DIR = Path(dangjian.__file__).parent / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE_DIR / "django.po"
MO = LOCALE_DIR / "django.mo"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


@pytest.fixture(autouse=True)
def _reset_language():
    # LocaleMiddleware activates the request's language for the thread; leave no English behind.
    yield
    translation.deactivate()


def _org_page(county, login, language=None):
    client = login(county.users["gongwei"])
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("orgs:detail", args=[county.branch_a1.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_org_page_is_chinese_by_default(county, login):
    html = _org_page(county, login)
    assert '<html lang="zh-hans">' in html
    for text in ("党员名册", "党员总数", "基本情况", "党支部", "党建工作平台"):
        assert text in html
    assert "Member roster" not in html
    # The switcher offers the other language.
    assert f'action="{reverse("set_language")}"' in html
    assert 'value="en"' in html


def test_org_page_is_english_with_language_cookie(county, login):
    html = _org_page(county, login, language="en")
    assert '<html lang="en">' in html
    for text in (
        "Member roster",
        "Total members",
        "Overview",
        "Party branch",
        "Party Building Platform",
    ):
        assert text in html
    for text in ("党员名册", "党员总数", "基本情况", "党建工作平台"):
        assert text not in html
    assert 'value="zh-hans"' in html


def test_set_language_sets_cookie_and_returns(county, login):
    client = login(county.users["gongwei"])
    page = reverse("orgs:detail", args=[county.branch_a1.pk])
    response = client.post(reverse("set_language"), {"language": "en", "next": page})
    assert response.status_code == 302
    assert response["Location"] == page
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Member roster" in client.get(page).content.decode()


def _po_entries(text: str):
    """(flags, msgctxt, msgid, msgid_plural, [msgstr…]) for each entry of a .po file."""

    def unquote(s: str) -> str:
        return s[s.index('"') + 1 : s.rindex('"')].replace('\\"', '"').replace("\\n", "\n")

    for block in text.strip().split("\n\n"):
        flags: list[str] = []
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[key] += unquote(line)
            else:
                key, _, rest = line.partition(" ")
                fields[key] = unquote(rest)
        if "msgid" not in fields:
            continue
        msgstrs = [v for k, v in fields.items() if k.startswith("msgstr")]
        yield flags, fields.get("msgctxt"), fields["msgid"], fields.get("msgid_plural"), msgstrs


def test_english_catalogue_is_complete():
    entries = list(_po_entries(PO.read_text(encoding="utf-8")))
    assert len(entries) > 100
    header = entries[0]
    assert header[2] == "" and "fuzzy" not in header[0]
    assert "Language: en" in header[4][0]
    problems = []
    for flags, ctx, msgid, plural, msgstrs in entries[1:]:
        if "fuzzy" in flags:
            problems.append(("fuzzy", ctx, msgid))
        if not msgstrs or not all(s.strip() for s in msgstrs):
            problems.append(("untranslated", ctx, msgid))
        for s in msgstrs:
            if set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(plural or msgid)):
                problems.append(("placeholders", ctx, msgid))
    assert problems == []
    assert "#~" not in PO.read_text(encoding="utf-8"), "obsolete entries left in the catalogue"


def test_committed_mo_matches_po(tmp_path):
    if shutil.which("msgfmt") is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(PO)], check=True)
    with MO.open("rb") as committed, fresh.open("rb") as compiled:
        assert (
            gettext.GNUTranslations(committed)._catalog
            == gettext.GNUTranslations(compiled)._catalog
        ), "django.mo is stale: run `dangjian compilemessages` in src/dangjian"
