from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "dangjian.transfers"
    verbose_name = "组织关系接转"
