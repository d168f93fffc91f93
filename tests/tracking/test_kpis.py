"""KPI figures on a hand-computed day, through the API and the page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from routing.models import Stop
from tracking import clock, services
from tracking.models import EtaRecord, Rating

from .conftest import stops_of

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)
BERLIN = ZoneInfo("Europe/Berlin")  # the test depot's zone


@pytest.fixture
def day(make_route, matrix_provider, now):
    """Route started 4 h ago: A delivered inside its window, B delivered 10 min after its
    window, C failed (customer absent). ETAs given 90 min ahead for A (window hit) and B
    (miss). A rated 4, B rated 2. Planned distance 30 km."""
    start = now - 240 * M
    route = make_route(start=start, windows=((-240, 0), (-240, -100), (-240, 0)))
    route.distance_m = 30_000
    route.save()
    services.route_start(route=route, now=start)
    a, b, c = stops_of(route)
    EtaRecord.objects.all().delete()
    EtaRecord.objects.create(
        stop=a,
        computed_at=start + 10 * M,
        eta=start + 100 * M,
        eta_low=start + 90 * M,
        eta_high=start + 110 * M,
        horizon_s=5400,
    )
    EtaRecord.objects.create(
        stop=b,
        computed_at=start + 10 * M,
        eta=start + 120 * M,
        eta_low=start + 115 * M,
        eta_high=start + 125 * M,
        horizon_s=6600,
    )
    services.stop_deliver(stop=a, recipient_name="Ann", at=start + 105 * M)  # error +5 min
    services.stop_deliver(stop=b, recipient_name="Bob", at=start + 150 * M)  # error +30 min
    services.stop_fail(stop=c, reason="customer_absent", at=start + 180 * M)
    Rating.objects.create(order=a.order, score=4)
    Rating.objects.create(order=b.order, score=2)
    return route


def test_kpis_api_on_a_hand_computed_day(day, staff_api, now):
    today = timezone.localdate(now, timezone=BERLIN)  # the plan's date, the depot's
    client = staff_api("dispatcher")
    body = client.get(f"/api/v1/kpis/?date_from={today}&date_to={today}&warehouse=BER1").json()
    assert body["delivered"] == 2 and body["failed"] == 1
    assert body["on_time_rate"] == 0.5  # A inside, B 10 min after its window
    assert body["first_attempt_success"] == round(2 / 3, 4)
    # Errors: A +5 min, B +30 min (plus the route_start ETAs, deleted above, are gone).
    assert body["eta_mae_min"] == 17.5
    assert body["eta_window_hit_60"] == 0.5 and body["eta_window_samples_60"] == 2
    assert body["average_rating"] == 3.0
    # 3 completed stops over 3 hours (start to C's failure at +180 min).
    assert body["stops_per_route_hour"] == 1.0
    assert body["distance_per_stop_km"] == 10.0
    assert body["failed_reasons"] == {"Customer absent": 1}


def test_kpis_api_validates_its_filters(staff_api, partner_api, db):
    client = staff_api("dispatcher")
    bad = client.get("/api/v1/kpis/?date_from=2026-03-02&date_to=2026-03-01")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "date_to"
    assert client.get("/api/v1/kpis/?date_from=2026-03-01").status_code == 400
    unknown = client.get("/api/v1/kpis/?date_from=2026-03-01&date_to=2026-03-02&warehouse=NOPE")
    assert unknown.status_code == 404
    assert staff_api("warehouse").get("/api/v1/kpis/").status_code == 403
    assert partner_api().get("/api/v1/kpis/").status_code == 403


def test_kpi_page_renders_charts_without_a_cdn(day, client, dispatcher, now):
    client.force_login(dispatcher)
    today = timezone.localdate(now, timezone=BERLIN)  # the plan's date, the depot's
    body = client.get(f"/tracking/kpis/?date_from={today}&date_to={today}").content.decode()
    assert "On-time delivery" in body and "50 %" in body
    assert "/static/vendor/plotly/plotly-basic-4.1.1.min.js" in body and "cdn" not in body.lower()
    assert "data-plotly-figure" in body and "js/charts.js" in body


def test_kpi_filter_dates_can_be_submitted_as_shown(day, client, dispatcher, now):
    client.force_login(dispatcher)
    today = timezone.localdate(clock.now(), timezone=BERLIN)
    form = client.get("/tracking/kpis/").content.decode()
    start = (today - dt.timedelta(days=13)).isoformat()
    assert f'name="date_from" value="{start}"' in form
    assert f'name="date_to" value="{today.isoformat()}"' in form
    assert "2 ratings" in form
    Rating.objects.filter(score=2).delete()
    assert "1 rating<" in client.get("/tracking/kpis/").content.decode()  # not "1 ratings"
    shown = client.get("/tracking/kpis/", {"date_from": start, "date_to": today.isoformat()})
    assert shown.context["form"].is_valid() and "kpis" in shown.context


def test_a_one_day_chart_has_a_day_axis(day, client, dispatcher, now):
    """One day of data: the axis shows that day, not milliseconds around midnight."""
    client.force_login(dispatcher)
    today = timezone.localdate(now, timezone=BERLIN)  # the plan's date, the depot's
    chart = client.get(f"/tracking/kpis/?date_from={today}&date_to={today}").context["charts"][0]
    yesterday = today - dt.timedelta(days=1)
    assert '"type":"date"' in chart and '"tickformat":"%d %b"' in chart
    assert f'"range":["{yesterday} 12:00","{today} 12:00"]' in chart
    assert '"width":69120000.0' in chart  # the day's bar is most of a day wide, so it shows


def test_live_board_flags_late_risk(make_route, matrix_provider, client, dispatcher, now):
    route = make_route(windows=((0, 180), (0, 32), (0, 180)))
    services.route_etas_refresh(route_id=route.pk, now=now)
    client.force_login(dispatcher)
    body = client.get("/tracking/").content.decode()
    assert body.count('<span class="badge warn">late risk</span>') == 1
    assert Stop.objects.filter(eta_state__is_late_risk=True).count() == 1
