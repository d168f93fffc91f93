"""Proof-of-delivery documents: one PDF per delivery (recipient, time in the warehouse's zone,
place, photo and signature) and a zip of a day's PDFs. Built with fpdf2 (pure Python)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from fpdf import FPDF

from core import timefmt
from routing.models import Stop
from tracking.models import ProofOfDelivery


def _text(value) -> str:
    # The core fonts are Latin-1; anything else is replaced rather than refused.
    return str(value or "").encode("latin-1", "replace").decode("latin-1")


def _image(pdf: FPDF, file, *, label: str, height: float) -> None:
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, label, new_x="LMARGIN", new_y="NEXT")
    try:
        with file.open("rb") as handle:
            pdf.image(io.BytesIO(handle.read()), h=height, keep_aspect_ratio=True, w=170)
    except Exception:  # a missing or unreadable file: the rest of the document still stands
        pdf.set_font("helvetica", "", 10)
        pdf.cell(0, 6, "(image not available)", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def pod_pdf(*, pod: ProofOfDelivery) -> bytes:
    """The delivery's proof as a one- or two-page PDF."""
    order = pod.order
    warehouse = order.warehouse
    pdf = FPDF(format="A4")
    pdf.set_title(f"Proof of delivery {order.reference}")
    pdf.set_creator("Waybill")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(0, 12, "Proof of delivery", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    rows = [
        ("Order", order.reference + (f"  ({order.external_ref})" if order.external_ref else "")),
        ("Delivered", f"{timefmt.day_hm(pod.delivered_at, warehouse)} "
                      f"({timefmt.zone_label(warehouse)})"),
        ("Received by", pod.recipient_name or "(no name given)"),
        ("Address", " ".join(order.address.split())),
        ("Recorded at", f"{pod.latitude:.5f}, {pod.longitude:.5f}"
         if pod.latitude is not None else "(no position)"),
        ("Warehouse", f"{warehouse.code} {warehouse.name}"),
    ]  # fmt: skip
    for label, value in rows:
        pdf.set_font("helvetica", "B", 11)
        pdf.cell(35, 7, label)
        pdf.set_font("helvetica", "", 11)
        pdf.multi_cell(0, 7, _text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if pod.photo:
        _image(pdf, pod.photo, label="Photo", height=90)
    if pod.signature:
        _image(pdf, pod.signature, label="Signature", height=40)
    return bytes(pdf.output())


def pod_filename(pod: ProofOfDelivery) -> str:
    return f"pod-{pod.order.reference}-{pod.pk}.pdf"


def pods_of_day(*, date: dt.date):
    """Proofs of delivery of the stops planned on `date`, by order reference."""
    stops = Stop.objects.filter(plan__date=date).values("pk")
    return (
        ProofOfDelivery.objects.filter(stop__in=stops)
        .select_related("order__warehouse")
        .order_by("order__reference", "pk")
    )


class _Sink(io.RawIOBase):
    """A write-only stream that hands over what was written so far (zipfile writes to it)."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


def pods_zip_stream(*, date: dt.date):
    """The day's proof-of-delivery PDFs as a zip, yielded one document at a time (a busy day
    is never held in memory, and the download starts with the first document)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for pod in pods_of_day(date=date).iterator(chunk_size=50):
            archive.writestr(pod_filename(pod), pod_pdf(pod=pod))
            yield sink.take()
    yield sink.take()
