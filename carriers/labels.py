"""A shipping label (A6 PDF): carrier, tracking number as text and Code 39 barcode, sender,
recipient, weight, parcels and the order reference."""

from __future__ import annotations

from fpdf import FPDF


def _latin1(text: str) -> str:
    # The core PDF fonts cover Latin-1 only; anything else becomes "?" rather than an error.
    return str(text).encode("latin-1", "replace").decode("latin-1")


def label_pdf(shipment) -> bytes:
    order = shipment.order
    warehouse = order.warehouse
    pdf = FPDF(format=(105, 148))  # A6 in millimetres
    pdf.set_auto_page_break(False)
    pdf.set_margins(6, 6, 6)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 7, _latin1(shipment.carrier.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    pdf.cell(0, 4, _latin1(f"Order {order.reference}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.code39(f"*{shipment.tracking_number}*", x=6, y=pdf.get_y(), w=0.7, h=14)
    pdf.set_y(pdf.get_y() + 16)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, _latin1(shipment.tracking_number), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 7)
    pdf.cell(0, 4, "FROM", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    sender = f"{warehouse.name}\n{getattr(warehouse, 'address', '') or warehouse.code}"
    pdf.multi_cell(0, 4, _latin1(sender), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 7)
    pdf.cell(0, 4, "TO", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 11)
    recipient = order.contact_name or order.customer.name
    pdf.multi_cell(0, 5, _latin1(f"{recipient}\n{order.address}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 9)
    parcels = max(order.parcels.count(), 1)
    pdf.cell(
        0,
        5,
        _latin1(f"{shipment.weight_kg.normalize():f} kg · {parcels} parcel(s)"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
