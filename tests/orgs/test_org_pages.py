from django.urls import reverse

from dangjian.orgs.models import Organization, Post


def test_edit_descriptive_fields_only(county, login):
    c = login(county.users["dangwei"])
    resp = c.post(reverse("orgs:edit", args=[county.branch_a1.pk]), {"name": "教育局机关第一党支部（新）", "short_name": "一支部", "sector": "organ"})
    assert resp.status_code == 302
    org = Organization.objects.get(pk=county.branch_a1.pk)
    assert org.name == "教育局机关第一党支部（新）" and org.code == county.branch_a1.code
    # zhibu has no 'change' on organisations; zhibu2 is out of scope: both 404, nothing changed.
    for name in ("zhibu", "zhibu2"):
        assert login(county.users[name]).post(reverse("orgs:edit", args=[county.branch_a1.pk]), {"name": "x"}).status_code == 404
    assert Organization.objects.get(pk=county.branch_a1.pk).name == "教育局机关第一党支部（新）"


def test_appoint_and_end_post(county, login):
    c = login(county.users["zhibu"])
    m = county.members["a1"][2]
    resp = c.post(reverse("orgs:appoint", args=[county.branch_a1.pk]), {"member": m.pk, "kind": "secretary", "term_start": "2024-03-01", "term_end": "2027-03-01"})
    assert resp.status_code == 302
    post = Post.objects.get(org=county.branch_a1, member=m)
    # A second secretary while one is in office is refused with a reason.
    resp = c.post(reverse("orgs:appoint", args=[county.branch_a1.pk]), {"member": county.members["a1"][3].pk, "kind": "secretary", "term_start": "2024-03-01"})
    assert "已有在任书记" in resp.content.decode()
    # A member of another branch cannot be picked (not in the list) — the form refuses it.
    resp = c.post(reverse("orgs:appoint", args=[county.branch_a1.pk]), {"member": county.members["b1"][0].pk, "kind": "member", "term_start": "2024-03-01"})
    assert resp.status_code == 200 and not Post.objects.filter(member=county.members["b1"][0]).exists()
    resp = c.post(reverse("orgs:end_post", args=[post.pk]), {"ended_on": "2025-01-01", "ended_reason": "工作调动"})
    assert resp.status_code == 302
    post.refresh_from_db()
    assert post.ended_on.isoformat() == "2025-01-01"
    assert login(county.users["zhibu2"]).post(reverse("orgs:end_post", args=[post.pk]), {"ended_on": "2025-01-02", "ended_reason": "x"}).status_code == 404


def test_posts_on_org_page_follow_post_scope(county, login):
    Post.objects.create(org=county.branch_a1, member=county.members["a1"][1], kind="secretary", term_start="2024-01-01")
    holder = county.members["a1"][1].name
    assert holder in login(county.users["zhibu"]).get(reverse("orgs:detail", args=[county.branch_a1.pk])).content.decode()
    # These roles may see the organisation but hold no rights on posts: the names stay hidden.
    for name in ("dangyuan", "shenji", "admin"):
        resp = login(county.users[name]).get(reverse("orgs:detail", args=[county.branch_a1.pk]))
        assert resp.status_code == 200 and list(resp.context["posts"]) == []
