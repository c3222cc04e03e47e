import io
import sys

from django.core.management import call_command


def test_sort_names_stroke_reads_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("尹\n孔\n\n文\n方\n毛\n王\n"))
    out = io.StringIO()
    call_command("sort-names", "--stroke", stdout=out)
    assert out.getvalue().split() == list("王毛文方尹孔")


def test_sort_names_page(client, django_user_model):
    user = django_user_model.objects.create_user("u", password="x")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    resp = client.post("/tools/sort-names/", {"names": "王小洪\n王毅\n丁薛祥"})
    assert resp.context["result"] == ["丁薛祥", "王毅", "王小洪"]
