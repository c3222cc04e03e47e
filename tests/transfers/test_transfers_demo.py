import random

import pytest
from django.utils import timezone
from support import build_county

from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.transfers.demo import populate_demo
from dangjian.transfers.models import (
    FloatingDirection,
    FloatingRecord,
    Transfer,
    TransferKind,
    TransferState,
)
from dangjian.transfers.selectors import (
    EXPIRED,
    RECEIPT_OVERDUE,
    away_needing_transfer,
    bucket,
    inflow_guests,
    transfers_for,
)


@pytest.mark.django_db
def test_populate_demo_makes_every_state_and_touches_both_secretaries():
    county = build_county(members_per_branch=16)
    total_before = Member.objects.count()
    today = timezone.localdate()
    counts = populate_demo(rng=random.Random(7), today=today)
    assert counts["介绍信"] == Transfer.objects.count() >= 19
    states = set(Transfer.objects.values_list("state", flat=True))
    assert states == set(TransferState.values)
    assert set(Transfer.objects.values_list("kind", flat=True)) == set(TransferKind.values)
    zhibu, zhibu2 = county.users["zhibu"], county.users["zhibu2"]
    assert bucket(transfers_for(zhibu), RECEIPT_OVERDUE, today).exists()
    assert bucket(transfers_for(zhibu2), RECEIPT_OVERDUE, today).exists()
    assert bucket(transfers_for(county.users["gongwei"]), EXPIRED, today).count() == 2
    assert (
        transfers_for(zhibu2)
        .filter(state=TransferState.ISSUED, from_path__startswith=county.branch_a1.path)
        .exists()
    )
    assert len(away_needing_transfer(zhibu, today)) >= 2
    assert inflow_guests(zhibu2).count() >= 2
    assert FloatingRecord.objects.filter(direction=FloatingDirection.IN).count() == 3
    # Members: two came in, two went out (receipts back); nobody is counted twice.
    assert Member.objects.count() == total_before + 1  # one incoming member has reported so far
    assert Member.objects.filter(status=MemberStatus.TRANSFERRED_OUT).count() == 2
    hashes = list(Member.objects.values_list("id_number_hash", flat=True))
    assert len(hashes) == len(set(hashes))
