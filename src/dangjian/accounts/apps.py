from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dangjian.accounts"
    label = "accounts"
    verbose_name = "账号与授权"

    def ready(self) -> None:
        from dangjian.accounts import signals  # noqa: F401  (login/logout/lockout audit events)
