"""`manage.py inventory_check`: verify that the ledger explains every stock row.

For each stock row, the sum of its ledger moves must equal on_hand, and its reserved counter
must equal its active reservations. Prints every drifting row and exits with status 1 if any.
"""

from django.core.management.base import BaseCommand, CommandError

from inventory.models import Stock
from inventory.selectors.integrity import stock_drift


class Command(BaseCommand):
    help = "Verify stock on hand against the ledger and reserved against reservations."

    def handle(self, *args, **options):
        drift = stock_drift()
        rows = Stock.objects.count()
        if not drift:
            self.stdout.write(self.style.SUCCESS(f"OK: {rows} stock rows agree with the ledger."))
            return
        labels = {
            s.pk: str(s)
            for s in Stock.objects.filter(pk__in=[d.stock_id for d in drift]).select_related(
                "product", "location__warehouse", "lot"
            )
        }
        for item in drift:
            parts = []
            if item.on_hand_drift:
                parts.append(
                    f"on_hand {item.on_hand} but ledger says {item.ledger_on_hand} "
                    f"({item.on_hand_drift:+d})"
                )
            if item.reserved_drift:
                parts.append(
                    f"reserved {item.reserved} but reservations hold "
                    f"{item.reservations_reserved} ({item.reserved_drift:+d})"
                )
            self.stdout.write(
                f"stock #{item.stock_id} {labels.get(item.stock_id, '')}: " + "; ".join(parts)
            )
        raise CommandError(f"{len(drift)} of {rows} stock rows drift from the ledger.")
