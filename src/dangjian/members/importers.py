"""Importing members from Excel/CSV: the template's columns, row checks and the all-or-nothing write.

Rows are checked by members.services.clean_member_data — the same checks as the form and the API —
plus what only a file can get wrong: an organisation code outside the importer's scope (reported
without revealing whether it exists) and the same ID number twice in one file.
"""

from __future__ import annotations

import inspect
import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dangjian.accounts.roles import MEMBER
from dangjian.core.audit import log_bulk_created
from dangjian.core.imports import (
    Checked,
    Column,
    ErrorList,
    Importer,
    chunked,
    iso_date,
    report_progress,
    write_in_batches,
)
from dangjian.core.jobs import JobFailed
from dangjian.core.scope import forget_grants, path_in_scope
from dangjian.members.choices import (
    ETHNICITY_CHOICES,
    Education,
    Gender,
    MemberCategory,
    Occupation,
)
from dangjian.members.models import SHOWN_FIELDS, Member
from dangjian.members.services import apply_member_data, clean_member_data, id_number_index
from dangjian.orgs.models import Organization

# What each imported member's audit entry records (never the ciphertexts or the blind index).
AUDIT_FIELDS = (*SHOWN_FIELDS, "status", "org_id")
BATCH = 1000
# What a prepared row keeps: everything apply_member_data() derives, never the plain ID or phone.
PREPARED_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number_enc",
    "id_number_hash",
    "id_number_masked",
    "education",
    "occupation",
    "phone_enc",
    "phone_masked",
    "joined_on",
    "confirmed_on",
    "category",
    "stroke_key",
    "pinyin",
    "pinyin_initials",
)
_DATES = frozenset({"birth_date", "joined_on", "confirmed_on"})
ALREADY_REGISTERED = "该身份证号已登记在系统中，不能重复登记。"  # the words clean_member_data uses

# clean_member_data looks each ID number up in the database (one query per row: ~1 ms, i.e. most of
# a 10⁵-row check). When it accepts check_registered=False the importer skips that and asks the
# database once per 1,000 rows instead; otherwise the per-row lookup stays (correct, slower).
_BULK_DUPLICATE_CHECK = "check_registered" in inspect.signature(clean_member_data).parameters
_CLEAN_KWARGS = {"check_registered": False} if _BULK_DUPLICATE_CHECK else {}


def org_not_found(code: str) -> str:
    # The same words whether the code does not exist or belongs to someone else's subtree.
    return f"组织代码{code}不存在或不在您的管理范围内。"


def _member_from(row: dict) -> Member:
    fields = {f: (iso_date(row[f]) if f in _DATES else row[f]) for f in PREPARED_FIELDS}
    return Member(org_id=row["org_id"], **fields)


class MemberImporter(Importer):
    kind = "members"
    title = "党员信息"
    noun = "名党员"
    resource = MEMBER
    action = "import"
    columns = [
        Column("姓名", "name", required=True, width=10, help="党员姓名，不超过50个字。"),
        Column("性别", "gender", required=True, width=6, choices=Gender, help="男或女，须与身份证号一致。"),
        Column("民族", "ethnicity", required=True, width=10, choices=ETHNICITY_CHOICES,
               help="56个民族的规范名称，如“汉族”“畲族”。"),
        Column("出生日期", "birth_date", kind="date", width=12,
               help="可不填，系统按身份证号识别；填写的须与身份证号一致。日期如 1980-07-01。"),
        Column("身份证号", "id_number", required=True, kind="code", width=22, aliases=("公民身份号码", "身份证号码"),
               help="18位居民身份证号。请先把这一列设置为“文本”格式再输入，否则Excel会把后几位变成0。"),
        Column("学历", "education", required=True, width=12, choices=Education, help="按年报口径填写。"),
        Column("职业", "occupation", required=True, width=18, choices=Occupation, help="按年报口径的八类职业填写。"),
        Column("联系电话", "phone", width=14, aliases=("手机号码", "手机号"), help="11位手机号，或带区号的固定电话。"),
        Column("入党日期", "joined_on", required=True, kind="date", width=12, help="日期如 2005-07-01。"),
        Column("转正日期", "confirmed_on", kind="date", width=12, help="正式党员填写；预备党员不填。"),
        Column("党员类别", "category", width=10, choices=MemberCategory, help="正式党员或预备党员；不填按正式党员。"),
        Column("所在党组织代码", "org_code", required=True, kind="code", width=16,
               aliases=("党组织代码", "所在党组织编码"),
               help="党员所在党支部的组织代码（在“组织”页面可以查到），须在您的管理范围内。"),
    ]  # fmt: skip
    instructions = [
        "1. 每行填写一名党员，第一行是列名，请不要修改列名；红色列名为必填项。",
        "2. 身份证号、联系电话、组织代码三列请保持“文本”格式，否则Excel会把长号码改成科学计数法、丢失后几位。",
        "3. 日期可以写成 2024-07-01、2024/7/1 或 2024年7月1日。",
        "4. 性别、民族、学历、职业、党员类别请从下拉列表中选择，可选值见本页右侧。",
        "5. 上传后系统会先逐行检查，只要有一处问题就一条也不导入，并列出每处问题所在的行和列；全部正确后确认导入。",
    ]

    def validate(self, rows, *, actor, context, errors: ErrorList) -> Checked:
        code_header = self.header_for("org_code")
        id_header = self.header_for("id_number")
        orgs = self._orgs_in_scope(
            actor, {raw["org_code"] for _, raw in rows if raw.get("org_code")}
        )
        seen: dict[str, int] = {}
        checked = Checked(errors=errors)
        counts: dict[int, int] = {}
        total = len(rows)
        for i, (number, raw) in enumerate(rows):
            if i % 200 == 0:
                report_progress(context, i, f"正在检查第{number}行（共{total}行）…")
            code = raw.get("org_code") or ""
            org = orgs.get(code)
            if not code:
                errors.add(number, code_header, "所在党组织代码不能为空。")
            elif org is None:
                errors.add(number, code_header, org_not_found(code))
            elif not org.is_active:
                errors.add(number, code_header, f"{org.name}（{code}）已撤销，不能再编入党员。")
            try:
                data = clean_member_data(raw, **_CLEAN_KWARGS)
            except ValidationError as exc:
                for field_name, messages in exc.message_dict.items():
                    errors.add(number, self.header_for(field_name) or field_name, messages[0])
                continue
            first = seen.setdefault(data.id_number, number)
            if first != number:
                errors.add(number, id_header, f"与第{first}行的身份证号重复。")
                continue
            for warning in data.warnings:
                checked.warnings.append({"row": number, "reason": warning})
            if org is not None and org.is_active and number not in errors.rows:
                checked.rows.append((number, data, org.pk))
                counts[org.pk] = counts.get(org.pk, 0) + 1
        report_progress(context, total, "正在核对身份证号是否已登记…")
        self._already_registered(seen, errors, id_header)
        report_progress(context, total, "检查完成。")
        names = {o.pk: f"{o.name}（{o.code}）" for o in orgs.values()}
        checked.summary = sorted(((names[pk], n) for pk, n in counts.items()), key=lambda s: -s[1])
        return checked

    @staticmethod
    def _already_registered(seen: dict[str, int], errors: ErrorList, id_header: str) -> None:
        """ID numbers of the file already in the database (anywhere: no double registration), in bulk.

        The answer is only "registered", never where: the other record may be outside the scope.
        """
        by_hash = {id_number_index(number): row for number, row in seen.items()}
        hashes = sorted(by_hash)
        for chunk in chunked(hashes, 1000):
            for found in Member.objects.filter(id_number_hash__in=chunk).values_list(
                "id_number_hash", flat=True
            ):
                errors.add(by_hash[found], id_header, ALREADY_REGISTERED)

    @staticmethod
    def _orgs_in_scope(actor, codes: set[str]) -> dict[str, Organization]:
        """Organisations by code, only those inside the actor's import scope (one query per 1,000)."""
        found: dict[str, Organization] = {}
        for chunk in chunked(sorted(codes), 1000):
            for org in Organization.objects.filter(code__in=chunk).only(
                "pk", "code", "name", "path", "status"
            ):
                if path_in_scope(actor, "import", MEMBER, org.path):
                    found[org.code] = org
        return found

    def prepare(self, checked: Checked, *, progress, base: int) -> list[dict]:
        """Encrypt and derive every clean row once (apply_member_data), as JSON-able dicts."""
        n = len(checked.rows)
        orgs = Organization.objects.in_bulk({org_id for _, _, org_id in checked.rows})
        prepared = []
        for i, (number, data, org_id) in enumerate(checked.rows):
            member = Member(org=orgs[org_id])
            apply_member_data(
                member, data
            )  # encryption, blind index, masks, stroke and pinyin keys
            prepared.append(
                {
                    "row": number,
                    "org_id": org_id,
                    **{f: getattr(member, f) for f in PREPARED_FIELDS},
                }
            )
            if i % 500 == 0:
                progress.set(base + i, message=f"正在加密和整理数据（{i}/{n}）…")
        return prepared

    def commit(self, prepared: list[dict], *, actor, job, progress, base: int) -> dict:
        n = len(prepared)
        t0 = time.monotonic()
        members = [_member_from(row) for row in prepared]
        org_ids = {m.org_id for m in members}
        timings = {"build": time.monotonic() - t0}

        t0 = time.monotonic()
        try:
            with progress.write_phase("正在写入数据库（请稍候：全部成功，或一条也不写入）…"):
                with transaction.atomic():
                    self._recheck_scope(actor, org_ids, members)
                    self._recheck_registered(prepared)

                    def write(batch: list[Member]) -> None:
                        Member.objects.bulk_create(batch)
                        log_bulk_created(batch, actor=actor, fields=AUDIT_FIELDS)

                    write_in_batches(
                        members, write, progress=progress, base=base, size=BATCH, label="名"
                    )
                    self.record_import(actor=actor, job=job, rows=n)
        except IntegrityError as exc:
            raise JobFailed(
                "写入时发现有身份证号刚刚被登记（可能有人同时在录入），没有导入任何数据。请重新上传检查。"
            ) from exc
        timings["write"] = time.monotonic() - t0
        counts: dict[int, int] = {}
        for m in members:
            counts[m.org_id] = counts.get(m.org_id, 0) + 1
        return {
            "message": f"导入成功：已登记{n}名党员。",
            "rows": n,
            "org_ids": sorted(counts, key=lambda k: -counts[k])[:200],
            "timings": timings,
        }

    def _recheck_registered(self, prepared: list[dict]) -> None:
        """ID numbers registered by someone else since the check (inside the write transaction)."""
        by_hash = {row["id_number_hash"]: row["row"] for row in prepared}
        errors = ErrorList()
        for chunk in chunked(sorted(by_hash), 1000):
            for found in Member.objects.filter(id_number_hash__in=chunk).values_list(
                "id_number_hash", flat=True
            ):
                errors.add(by_hash[found], self.header_for("id_number"), ALREADY_REGISTERED)
        if errors:
            raise JobFailed(
                f"检查之后又有{errors.count}个身份证号被登记，没有导入任何数据。请核对后重新上传。",
                errors=errors.sorted(self.headers),
                error_count=errors.count,
            )

    @staticmethod
    def _recheck_scope(actor, org_ids: set[int], members: list[Member]) -> None:
        """Inside the write transaction: grants and organisations may have changed since the check."""
        forget_grants(actor)
        fresh = Organization.objects.select_for_update().in_bulk(org_ids)
        for org in fresh.values():
            if not org.is_active or not path_in_scope(actor, "import", MEMBER, org.path):
                raise JobFailed(
                    "部分党组织已不在您的管理范围内或已撤销（可能刚刚调整过授权或组织），没有导入任何数据。请重新上传。"
                )
        if len(fresh) != len(org_ids):
            raise JobFailed("部分党组织已不存在，没有导入任何数据。请重新上传。")
        for member in members:  # a subtree may have moved since the rows were prepared
            member.org_path = fresh[member.org_id].path
