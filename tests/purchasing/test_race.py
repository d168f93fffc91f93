"""Two approvers acting at once produce one decision (real threads on PostgreSQL)."""

import threading

import pytest
from django.db import connection

from core.exceptions import DomainError
from purchasing.models import Approval
from purchasing.services import purchase_order_approve, purchase_order_reject


@pytest.fixture(autouse=True)
def _role_groups(transactional_db):
    """Transactional tests flush the database, including the role groups of core.0002."""
    from django.contrib.auth.models import Group

    from core.roles import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)


@pytest.mark.django_db(transaction=True)
def test_concurrent_approve_and_reject_produce_one_decision(po_in, approver, approver2):
    po = po_in("submitted")
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(fn, **kwargs):
        try:
            barrier.wait()
            fn(po=po, **kwargs)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.status)
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=decide, args=(purchase_order_approve,), kwargs={"approver": approver}
        ),
        threading.Thread(
            target=decide,
            args=(purchase_order_reject,),
            kwargs={"approver": approver2, "comment": "no"},
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [409, "ok"]
    assert Approval.objects.filter(purchase_order=po).count() == 1
    po.refresh_from_db()
    assert po.status == Approval.objects.get(purchase_order=po).decision


@pytest.mark.django_db(transaction=True)
def test_concurrent_receipts_never_exceed_the_order(po_in, requester):
    po = po_in("sent")  # 150 ordered
    line = po.lines.get()
    barrier = threading.Barrier(3)
    outcomes = []

    def receive():
        from purchasing.services import purchase_order_receive

        try:
            barrier.wait()
            purchase_order_receive(po=po, user=requester, lines=[{"line": line.pk, "quantity": 60}])
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=receive) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=str) == [422, "ok", "ok"]
    line.refresh_from_db()
    assert line.quantity_received == 120
