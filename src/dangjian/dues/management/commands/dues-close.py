"""`dangjian dues-close [--month YYYY-MM]`: post a month's dues for every paying member (the monthly job)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.dues.services import close_month, month_label, month_start, parse_month


class Command(BaseCommand):
    help = "按各党员核定的党费基数，为全部正常党员生成某月的党费台账（已入账的不重复生成）。"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="月份（默认本月），格式 2026-11")

    def handle(self, *args, month: str | None = None, **options):
        try:
            target = parse_month(month) if month else month_start(timezone.localdate())
            result = close_month(actor=None, month=target, within=None)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            f"{month_label(result.month)}党费入账：新入账{result.posted}人，此前已入账{result.already}人，"
            f"未核定党费基数{len(result.missing_base)}人。"
        )
