"""`dangjian demo`: build the fictional 示范县 with members, posts and demo accounts."""

from django.core.management.base import BaseCommand, CommandError

from dangjian.accounts.models import Grant
from dangjian.demo.builder import MIN_MEMBERS, DemoError, build_demo
from dangjian.orgs.models import Organization

DEMO_USERNAMES = ("admin", "gongwei", "dangwei", "zhibu", "zhibu2", "dangyuan", "shenji")


class Command(BaseCommand):
    help = (
        "建立演示数据：虚构的示范县（县委→县直机关工委→15个党委→约120个党总支/党支部→"
        "约3000名党员），含班子成员、待审批申请和演示账号（密码均为 demo12345）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先删除本系统的全部业务数据（党组织、党员、账号等）再建立演示数据。仅用于演示环境！",
        )
        parser.add_argument(
            "--members", type=int, default=3000, help=f"党员人数（默认3000，至少{MIN_MEMBERS}）"
        )
        parser.add_argument("--seed", type=int, default=2024, help="随机种子（默认2024）")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库中已有党组织时不做任何改动，直接返回（供 make demo 重复运行）。",
        )

    def handle(self, *args, reset=False, members=3000, seed=2024, if_empty=False, **options):
        if if_empty and not reset and Organization.objects.exists():
            self.stdout.write("数据库中已有演示数据，沿用现有数据。演示账号（密码均为 demo12345）：")
            for grant in Grant.objects.filter(user__username__in=DEMO_USERNAMES).select_related("user", "org"):
                self.stdout.write(f"  {grant.user.username:<9} {grant.get_role_display()}（{grant.org}）")
            return
        if not reset and Organization.objects.exists():
            raise CommandError(
                "数据库中已有党组织数据，演示数据不会覆盖现有数据。"
                "如确需清空后重建演示数据，请使用 dangjian demo --reset"
                "（将删除全部业务数据，仅限演示环境）。"
            )
        if reset:
            self.stderr.write(self.style.WARNING("注意：--reset 将删除本系统的全部业务数据。"))
        try:
            summary = build_demo(seed=seed, members_target=members, stdout=self.stdout, reset=reset)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("")
        for line in summary.lines():
            self.stdout.write(line)
