"""Security events from authentication (SECURITY.md 8.1.4.3 a)."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from dangjian.core.audit import record_event


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record_event("login", actor=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record_event("logout", actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    record_event(
        "login_failed",
        request=request,
        success=False,
        detail={"username": str(credentials.get("username", ""))[:150]},
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    record_event("lockout", request=request, success=False, detail={"username": str(username)[:150]})


def axes_username(request, credentials) -> str:
    """The username axes counts failures under: lower-cased, like the login itself."""
    raw = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(raw).strip().lower()
