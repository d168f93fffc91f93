"""Emails to suppliers: the rendered purchase order when sent or amended, and cancellations."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from purchasing.models import PurchaseOrder, PurchaseOrderEvent
from purchasing.selectors import purchase_order_detail
from purchasing.services.common import po_event

SUBJECTS = {
    "order": "Purchase order {ref}",
    "amended": "Amended purchase order {ref} (revision {rev})",
    "cancelled": "Cancelled: purchase order {ref}",
}


def purchase_order_supplier_email(*, po_id: int, kind: str, revision: int) -> bool:
    """Email the supplier the rendered order (HTML, printable, with a plain-text part).

    Safe to run twice: a (kind, revision) already emailed is not sent again. Returns whether an
    email went out.
    """
    if kind not in SUBJECTS:
        raise ValueError(f"Unknown purchase order email kind {kind!r}.")
    with transaction.atomic():
        po = PurchaseOrder.objects.select_for_update().get(pk=po_id)
        already = PurchaseOrderEvent.objects.filter(
            purchase_order=po, kind="emailed", data__kind=kind, data__revision=revision
        ).exists()
        if already or not po.supplier.contact_email:
            return False
        po = purchase_order_detail(reference=po.reference)
        context = {"po": po, "kind": kind, "lines": list(po.lines.all())}
        subject = SUBJECTS[kind].format(ref=po.reference, rev=po.revision)
        text = render_to_string("purchasing/email/purchase_order.txt", context)
        html = render_to_string("purchasing/email/purchase_order.html", context)
        message = EmailMultiAlternatives(subject, text, to=[po.supplier.contact_email])
        message.attach_alternative(html, "text/html")
        message.send()
        po_event(
            po,
            kind="emailed",
            message=f"{subject} emailed to {po.supplier.contact_email}.",
            data={"kind": kind, "revision": revision, "to": po.supplier.contact_email},
        )
    return True
