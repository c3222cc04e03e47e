"""Importing organisations from Excel/CSV, and the page for it.

Setting up organisations is the 工委's approval power (党支部设置和隶属关系审批), so an import needs
the "approve" action on ORG at every parent. A parent is an existing organisation in that scope or
an earlier row of the same file, so a whole new subtree can be imported in one go, top down.
"""

from __future__ import annotations

import time

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dangjian.accounts.roles import ORG
from dangjian.core.imports import (
    Checked,
    Column,
    ErrorList,
    Importer,
    chunked,
    iso_date,
    report_progress,
)
from dangjian.core.jobs import JobFailed
from dangjian.core.scope import forget_grants, path_in_scope
from dangjian.orgs.models import Organization, OrgStatus, OrgType, Sector
from dangjian.orgs.services import can_hold, clean_org_fields, create_organization


def org_not_found(code: str) -> str:
    return f"组织代码{code}不存在或不在您的管理范围内。"


class OrgImporter(Importer):
    kind = "orgs"
    title = "党组织"
    noun = "个党组织"
    resource = ORG
    action = "approve"
    columns = [
        Column("组织全称", "name", required=True, width=36, help="如“中共某某县教育局机关第一支部委员会”。"),
        Column("简称", "short_name", width=18, help="页面和名单上显示的名称，不超过60个字。"),
        Column("组织代码", "code", required=True, kind="code", width=14, help="每个党组织唯一的代码，不能与已有的重复。"),
        Column("组织类别", "org_type", required=True, width=12, choices=OrgType, help="须符合上下级关系，如党支部下只能设党小组。"),
        Column("所在单位类别", "sector", width=12, choices=Sector, help="按年报口径填写。"),
        Column("所在单位", "unit_name", width=24, help="党组织所在的单位名称。"),
        Column("上级组织代码", "parent_code", required=True, kind="code", width=14,
               help="已有的上级党组织的代码，或本表中排在前面的某一行的组织代码。"),
        Column("成立日期", "founded_on", kind="date", width=12, help="日期如 2020-07-01。"),
    ]  # fmt: skip
    instructions = [
        "1. 每行填写一个党组织，第一行是列名，请不要修改列名；红色列名为必填项。",
        "2. 上级组织可以是系统中已有的党组织，也可以是本表中排在前面的一行：先填上级，再填下级。",
        "3. 组织代码请保持“文本”格式。设立党组织属于工委的审批权限，只有工委管理员可以导入。",
        "4. 上传后系统会先逐行检查，只要有一处问题就一条也不导入；全部正确后确认导入。",
    ]

    def validate(self, rows, *, actor, context, errors: ErrorList) -> Checked:
        parent_header = self.header_for("parent_code")
        code_header = self.header_for("code")
        file_rows: dict[str, int] = {}
        for number, raw in rows:
            file_rows.setdefault(raw.get("code") or "", number)
        existing = self._parents_in_scope(
            actor, {raw["parent_code"] for _, raw in rows if raw.get("parent_code")}
        )
        # code → (row number, a stand-in for the organisation the row will create, or None if the row is wrong)
        earlier: dict[str, tuple[int, Organization | None]] = {}
        checked = Checked(errors=errors)
        counts: dict[str, int] = {}
        for i, (number, raw) in enumerate(rows):
            if i % 200 == 0:
                report_progress(context, i, f"正在检查第{number}行（共{len(rows)}行）…")
            code, parent_code = raw.get("code") or "", raw.get("parent_code") or ""
            parent: Organization | None = None
            parent_ref = None
            if not parent_code:
                errors.add(number, parent_header, "上级组织代码不能为空。")
            elif parent_code in earlier:
                row_of_parent, parent = earlier[parent_code]
                parent_ref = ("row", parent_code)
                if parent is None:
                    errors.add(
                        number,
                        parent_header,
                        f"上级组织（第{row_of_parent}行）有问题，请先改正该行。",
                    )
            elif parent_code in existing:
                parent = existing[parent_code]
                parent_ref = ("db", parent.pk)
            elif file_rows.get(parent_code, 0) > number:
                errors.add(
                    number,
                    parent_header,
                    f"上级组织（第{file_rows[parent_code]}行）应排在本行之前。",
                )
            else:
                errors.add(number, parent_header, org_not_found(parent_code))
            row_ok = number not in errors.rows
            try:
                fields = clean_org_fields(raw, parent=parent)
            except ValidationError as exc:
                for field_name, messages in exc.message_dict.items():
                    header = (
                        parent_header
                        if field_name == "parent"
                        else self.header_for(field_name) or field_name
                    )
                    errors.add(number, header, messages[0])
                row_ok = False
                fields = None
            if code and code in earlier:
                errors.add(number, code_header, f"与第{earlier[code][0]}行的组织代码重复。")
                continue
            stand_in = None
            if row_ok and fields is not None:
                stand_in = Organization(**fields, status=OrgStatus.ACTIVE)
                checked.rows.append((number, fields, parent_ref))
                label = (
                    f"{parent.name}（{parent.code}）"
                    if parent_ref and parent_ref[0] == "db"
                    else "本表新建的组织"
                )
                counts[label] = counts.get(label, 0) + 1
            if code:
                earlier[code] = (number, stand_in)
        report_progress(context, len(rows), "检查完成。")
        checked.summary = list(counts.items())
        return checked

    @staticmethod
    def _parents_in_scope(actor, codes: set[str]) -> dict[str, Organization]:
        found: dict[str, Organization] = {}
        for chunk in chunked(sorted(codes), 1000):
            for org in Organization.objects.filter(code__in=chunk):
                if path_in_scope(actor, "approve", ORG, org.path):
                    found[org.code] = org
        return found

    def prepare(self, checked: Checked, *, progress, base: int) -> list[dict]:
        return [
            {"row": number, "fields": fields, "parent": list(parent_ref)}
            for number, fields, parent_ref in checked.rows
        ]

    def commit(self, prepared: list[dict], *, actor, job, progress, base: int) -> dict:
        n = len(prepared)
        t0 = time.monotonic()
        try:
            with progress.write_phase("正在写入数据库…"), transaction.atomic():
                parents = self._recheck(actor, prepared)
                created: dict[str, Organization] = {}
                roots: list[Organization] = []  # new organisations directly under existing ones
                for i, row in enumerate(prepared):
                    where, ref = row["parent"]
                    fields = dict(row["fields"])
                    fields["founded_on"] = iso_date(fields.get("founded_on"))
                    parent = parents[ref] if where == "db" else created[ref]
                    org = create_organization(parent=parent, fields=fields)
                    created[fields["code"]] = org
                    if where == "db":
                        roots.append(org)
                    progress.set(base + i + 1, message=f"正在写入数据库（{i + 1}/{n}个）…")
                self.record_import(actor=actor, job=job, rows=n)
        except IntegrityError as exc:
            raise JobFailed(
                "写入时发现有组织代码刚刚被使用，没有导入任何数据。请重新上传检查。"
            ) from exc
        return {
            "message": f"导入成功：已设立{n}个党组织。",
            "rows": n,
            "org_ids": [o.pk for o in roots][:200],
            "timings": {"write": time.monotonic() - t0},
        }

    def _recheck(self, actor, prepared: list[dict]) -> dict[int, Organization]:
        """Inside the write transaction: parents still in scope, active and able to hold the new
        organisations; codes still free. Returns the existing parents by pk."""
        forget_grants(actor)
        parent_ids = {row["parent"][1] for row in prepared if row["parent"][0] == "db"}
        parents = Organization.objects.select_for_update().in_bulk(parent_ids)
        if len(parents) != len(parent_ids) or any(
            not p.is_active or not path_in_scope(actor, "approve", ORG, p.path)
            for p in parents.values()
        ):
            raise JobFailed(
                "部分上级党组织已不在您的管理范围内或已撤销（可能刚刚调整过），没有导入任何数据。请重新上传。"
            )
        errors = ErrorList()
        codes = {row["fields"]["code"]: row["row"] for row in prepared}
        for chunk in chunked(sorted(codes), 1000):
            for code in Organization.objects.filter(code__in=chunk).values_list("code", flat=True):
                errors.add(codes[code], self.header_for("code"), f"组织代码{code}已被使用。")
        for row in prepared:
            where, ref = row["parent"]
            if where == "db" and not can_hold(parents[ref].org_type, row["fields"]["org_type"]):
                errors.add(
                    row["row"],
                    self.header_for("org_type"),
                    "上级组织的类别已变更，不能再设立该类组织。",
                )
        if errors:
            raise JobFailed(
                f"检查之后数据库有了变化，发现{errors.count}处问题，没有导入任何数据。请核对后重新上传。",
                errors=errors.sorted(self.headers),
                error_count=errors.count,
            )
        return parents


@login_required
def org_import(request):
    """The import page with 党组织 preselected (工委管理员 only)."""
    from dangjian.core.job_views import import_page

    return import_page(request, kinds=["orgs"])


@login_required
def org_import_template(request):
    from dangjian.core.job_views import template_download

    return template_download(request, "orgs")
