"""One late-risk number: the dashboard card, the board and the Deliveries table all read
tracking's rule (tracking.late_risk), on the day the simulated clock is in."""

from __future__ import annotations

import re

from django.test import Client

from core.navigation import dashboard_cards_for
from routing.models import Stop, StopStatus
from tests.dispatch.scene import make_live, narrow_window
from tracking.late_risk import late_risk_count
from tracking.models import StopEta


def test_dashboard_board_and_deliveries_show_the_same_late_risk(day, dispatcher):
    for k, j in ((0, 3), (1, 4), (2, 5)):
        narrow_window(day, day.stops[k][j], day.at(9), day.now)
    make_live(day)
    # A stop delivered since keeps a stale flag: it is done, so it is no longer at risk.
    done = day.stops[0][2]
    StopEta.objects.update_or_create(stop=done, defaults={"is_late_risk": True})
    Stop.objects.filter(pk=done.pk).update(status=StopStatus.DELIVERED)

    expected = late_risk_count(date=day.day)
    assert expected == 3
    (card,) = [c for c in dashboard_cards_for(dispatcher) if "late risk" in c.title]
    assert card.value == expected and card.url == "/dispatch/"

    client = Client()
    client.force_login(dispatcher)
    board = client.get("/dispatch/").content.decode()
    assert f"{expected} late risk" in board
    deliveries = client.get("/tracking/")
    assert deliveries.context["at_risk"] == expected
    assert len(re.findall(r'class="badge warn">late risk<', deliveries.content.decode())) == 3
    dashboard = client.get("/").content.decode()
    assert re.search(
        rf'stat-value">{expected}</span>\s*<span class="stat-title">Stops at late', dashboard
    )
    assert "Late or at risk" not in dashboard
