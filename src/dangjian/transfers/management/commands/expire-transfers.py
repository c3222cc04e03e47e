"""`dangjian expire-transfers [--date YYYY-MM-DD]`: letters past their validity without 报到 become 过期."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.transfers.services import expire_letters


class Command(BaseCommand):
    help = "将超过有效期仍未报到的组织关系介绍信标记为“过期”。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按哪一天计算（默认今天），格式 2026-11-28")

    def handle(self, *args, date: str | None = None, **options):
        today = timezone.localdate()
        if date:
            try:
                today = _parse(date)
            except ValueError as exc:
                raise CommandError(f"日期格式不正确：{date}（应为 2026-11-28）") from exc
        n = expire_letters(today)
        self.stdout.write(f"已将{n}份超过有效期未报到的介绍信标记为过期。")


def _parse(text: str) -> date:
    from datetime import date as _date

    return _date.fromisoformat(text)
