"""restrict() with `within`: the same rows as restrict() ∩ subtree, for every user and subtree."""

import pytest

from dangjian.core.scope import restrict
from dangjian.members.models import Member
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import subtree_member_totals


@pytest.mark.parametrize("username", ["gongwei", "dangwei", "zhibu", "zhibu2", "dangyuan", "shenji", "nobody"])
def test_within_equals_intersection(county, username):
    user = county.users[username]
    for org in Organization.objects.all():
        expected = set(
            restrict(user, "view", Member.objects.all()).filter(org_path__startswith=org.path).values_list("pk", flat=True)
        )
        got = set(restrict(user, "view", Member.objects.all(), within=org.path).values_list("pk", flat=True))
        assert got == expected, (username, org.name)


def test_grouped_subtree_totals_match_plain_counts(county):
    orgs = list(Organization.objects.all())
    totals = subtree_member_totals(orgs)
    for org in orgs:
        assert totals[org.pk] == Member.objects.filter(org_path__startswith=org.path, status="normal").count()
    assert totals[county.gongwei.pk] == Member.objects.count() > 0


def test_a_record_between_two_organisations_is_in_scope_of_either_end(county):
    """scope_q over a model placed at two paths (a transfer): either end's grant covers it."""
    from dangjian.accounts.roles import TRANSFER
    from dangjian.core.scope import scope_q

    class Between:
        resource = TRANSFER
        scope_path_field = ("from_path", "to_path")

    q = str(scope_q(county.users["zhibu2"], "view", Between))
    assert "from_path__startswith" in q and "to_path__startswith" in q
    assert county.branch_b1.path in q and county.branch_a1.path not in q
