from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "dangjian.care"
    label = "care"
    verbose_name = "困难党员帮扶"
