from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "dangjian.outreach"
    label = "outreach"
    verbose_name = "联建共创"
