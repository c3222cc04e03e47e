from django.core.management.base import BaseCommand

from dangjian.opinions.training import model_path, train


class Command(BaseCommand):
    help = "按本系统已分类的诉求事项重新训练类别建议模型（保存在 DANGJIAN_VAR_DIR）。"

    def handle(self, *args, **options):
        count, stored = train()
        if stored:
            self.stdout.write(f"已用{count}件已分类事项训练类别建议模型：{model_path()}")
        else:
            self.stdout.write(f"已分类事项不足（{count}件），不提供类别建议。")
