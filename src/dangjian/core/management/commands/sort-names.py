"""`dangjian sort-names --stroke < names.txt`: names one a line, back in 姓氏笔画 (or pinyin) order."""

import sys

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.strokes import pinyin_full, sort_by_strokes


class Command(BaseCommand):
    help = "从标准输入读取姓名（每行一个），按姓氏笔画（--stroke）或拼音（--pinyin）排序后输出。"

    def add_arguments(self, parser):
        order = parser.add_mutually_exclusive_group()
        order.add_argument("--stroke", action="store_true", help="按姓氏笔画排序（默认）")
        order.add_argument("--pinyin", action="store_true", help="按拼音排序")

    def handle(self, *args, stroke: bool, pinyin: bool, **options):
        try:
            names = [line.strip() for line in sys.stdin.read().splitlines() if line.strip()]
        except UnicodeDecodeError as exc:
            raise CommandError("输入不是UTF-8编码的文本。") from exc
        ordered = sorted(names, key=pinyin_full) if pinyin else sort_by_strokes(names)
        for name in ordered:
            self.stdout.write(name)
