"""Handover costs per delivery: the delivery PIN's slow hash and the proof-of-delivery PDF.

    .venv/bin/python benchmarks/handover.py [--repeat 20]

- PIN: `make_password` / `check_password` with the configured hasher (Django's default,
  PBKDF2-SHA256), i.e. what issuing a PIN and each driver entry cost on the server, and what
  one guess costs an attacker holding the hash (a 6-digit PIN has 10**6 candidates).
- PDF: `tracking.pod_documents.pod_pdf` for a delivery with a 1280x960 JPEG photo (the driver
  app's downscaled size) and a 500x150 PNG signature, and the zip of 30 such documents.
No database is used: the proof of delivery and its order are unsaved rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth.hashers import check_password, make_password  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from PIL import Image  # noqa: E402

from inventory.models import Warehouse  # noqa: E402
from orders.models import CustomerOrder  # noqa: E402
from tracking.models import ProofOfDelivery  # noqa: E402
from tracking.pod_documents import pod_pdf  # noqa: E402


def _ms(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def _image(size, fmt) -> bytes:
    img = Image.effect_noise(size, 64).convert("RGB")
    out = io.BytesIO()
    img.save(out, format=fmt, quality=80) if fmt == "JPEG" else img.save(out, format=fmt)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    pin_hash = make_password("123456")
    print(f"hasher: {pin_hash.split('$')[0]}, {pin_hash.split('$')[1]} iterations")
    med, worst = _ms(lambda: make_password("123456"), args.repeat)
    print(f"issue a PIN (make_password): median {med:.0f} ms, max {worst:.0f} ms")
    med, worst = _ms(lambda: check_password("654321", pin_hash), args.repeat)
    print(f"check an entry (check_password): median {med:.0f} ms, max {worst:.0f} ms")
    print(f"  -> all 10**6 PINs on one core: about {med * 1e6 / 3.6e6:.0f} hours per order")

    warehouse = Warehouse(code="BER", name="Berlin Mitte", timezone="Europe/Berlin")
    order = CustomerOrder(reference="ORD-2026-000001", address="Torstraße 1, Berlin")
    order.warehouse = warehouse
    photo, signature = _image((1280, 960), "JPEG"), _image((500, 150), "PNG")
    pod = ProofOfDelivery(
        order=order,
        recipient_name="Ada Lovelace",
        latitude=52.52,
        longitude=13.405,
        delivered_at=dt.datetime(2026, 12, 7, 10, 42, tzinfo=dt.UTC),
    )
    pod.photo = ContentFile(photo, name="photo.jpg")
    pod.signature = ContentFile(signature, name="signature.png")
    size = len(pod_pdf(pod=pod))
    med, worst = _ms(lambda: pod_pdf(pod=pod), args.repeat)
    print(f"proof-of-delivery PDF ({len(photo) // 1024} KiB photo): median {med:.0f} ms, "
          f"max {worst:.0f} ms, {size // 1024} KiB")  # fmt: skip
    print(f"  -> a zip of 30 deliveries: about {30 * med / 1000:.1f} s of CPU, streamed")


if __name__ == "__main__":
    main()
