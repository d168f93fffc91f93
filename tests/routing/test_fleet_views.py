"""Fleet pages: who sees them, booking from the week view, errors on the form, and the week
view's numbers against a hand-computed case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from forecasting.models import Forecast, ForecastMetric
from inventory.selectors.stock import warehouse_today
from routing.capacity import capacity_dashboard_cards
from routing.fleet import services as fleet
from routing.fleet.selectors import fleet_week
from routing.fleet.services import BreakSpec
from routing.models import Shift, Vehicle
from tests.conftest import make_user
from tests.factories import DriverFactory, ShiftFactory, VehicleFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 3, 4)
TUESDAY, WEDNESDAY = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)


@pytest.fixture
def depot():
    return WarehouseFactory(code="BER1", name="Berlin", timezone="Europe/Berlin")


@pytest.fixture
def dispatcher_client(client, dispatcher):
    client.force_login(dispatcher)
    return client


def _forecast(depot, metric, point, hi80):
    Forecast.objects.create(
        warehouse=depot, metric=metric, start_date=MONDAY, model_name="mean",
        demand_class="smooth", point=point, lo80=point, hi80=hi80, lo95=point, hi95=hi80,
        computed_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def week_case(depot, settings):
    """Mon: nothing booked, 10 stops forecast. Tue: 7.5 h + 3.5 h of shifts (11 h x 4 = 44
    stops, 100 + 60 parcels) against 20 stops / 50 parcels. Wed: one 4 h shift whose driver
    then took the day off (not counted) against 30 stops."""
    settings.FORECAST_STOPS_PER_DRIVER_HOUR = 4.0
    _forecast(depot, ForecastMetric.STOPS, [10, 20, 30, 0, 0, 0, 0], [12, 25, 35, 0, 0, 0, 0])
    _forecast(depot, ForecastMetric.PARCELS, [40, 50, 60, 0, 0, 0, 0], [45, 55, 70, 0, 0, 0, 0])
    big = VehicleFactory(code="VAN-A", depot=depot, capacity_units=100)
    small = VehicleFactory(code="VAN-B", depot=depot, capacity_units=60)
    ada, bo = DriverFactory(user__username="ada"), DriverFactory(user__username="bo")
    fleet.shift_create(
        driver=ada, vehicle=big, date=TUESDAY, start_time=dt.time(8), end_time=dt.time(16),
        breaks=[BreakSpec(dt.time(12), dt.time(13), 1800)],
    )  # fmt: skip
    fleet.shift_create(
        driver=bo, vehicle=small, date=TUESDAY, start_time=dt.time(10), end_time=dt.time(14),
        breaks=[BreakSpec(dt.time(11), dt.time(11), 900), BreakSpec(dt.time(12), dt.time(13), 900)],
    )  # fmt: skip
    off = fleet.shift_create(
        driver=ada, vehicle=big, date=WEDNESDAY, start_time=dt.time(8), end_time=dt.time(12)
    )
    fleet.driver_time_off_add(driver=ada, start_date=WEDNESDAY, end_date=WEDNESDAY)
    return off


def test_week_numbers_match_the_hand_computed_case(depot, week_case):
    (row,) = fleet_week(start=MONDAY, depots=[depot])
    mon, tue, wed = (cell.day for cell in row.cells[:3])
    assert (mon.shifts, mon.capacity_stops, mon.expected_stops, mon.is_short) == (0, 0, 10, True)
    assert (tue.shifts, tue.capacity_hours, tue.capacity_stops) == (2, 11.0, 44.0)
    assert (tue.capacity_parcels, tue.expected_stops, tue.expected_parcels) == (160, 20, 50)
    assert not tue.is_short and not tue.is_at_risk
    assert (wed.shifts, wed.capacity_stops, wed.missing_stops) == (0, 0, 30)
    assert [s.pk for s in row.cells[2].shifts] == [week_case.pk]  # listed, flagged off
    assert row.cells[2].shifts[0].driver_is_off


def test_week_page_shows_the_figures_and_books_from_a_day_cell(dispatcher_client, depot, week_case):
    page = dispatcher_client.get(reverse("routing:fleet-week"), {"start": MONDAY, "depot": "BER1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>2 shifts</strong>, 11.0 h" in html
    assert 'capacity <span data-k="capacity_stops">44</span> stops · 160 parcels' in html
    assert "08:00\u201316:00" in html and "short 30 stops" in html
    add = f"{reverse('routing:fleet-shift-create')}?date=2030-03-07&depot=BER1"
    assert add in html

    form = dispatcher_client.get(
        reverse("routing:fleet-shift-create"), {"date": "2030-03-07", "depot": "BER1"}
    )
    assert form.status_code == 200 and 'value="2030-03-07"' in form.content.decode()
    driver = DriverFactory(user__username="cem")
    back = f"{reverse('routing:fleet-week')}?start=2030-03-04&depot=BER1"
    booked = dispatcher_client.post(
        f"{reverse('routing:fleet-shift-create')}?depot=BER1",
        {"date": "2030-03-07", "vehicle": Vehicle.objects.get(code="VAN-B").pk,
         "driver": driver.pk, "start_time": "09:00", "end_time": "17:00",
         "break0_earliest": "12:00", "break0_latest": "13:00", "break0_minutes": "30",
         "next": back},
    )  # fmt: skip
    assert booked.status_code == 302 and booked.url == back
    shift = Shift.objects.get(driver=driver)
    assert (shift.date, shift.break_duration_s) == (dt.date(2030, 3, 7), 1800)


def test_shift_form_shows_the_overlap_naming_the_other_shift(dispatcher_client, depot, week_case):
    other_driver = DriverFactory(user__username="dee")
    response = dispatcher_client.post(
        reverse("routing:fleet-shift-create"),
        {"date": TUESDAY.isoformat(), "vehicle": Vehicle.objects.get(code="VAN-A").pk,
         "driver": other_driver.pk, "start_time": "15:00", "end_time": "18:00"},
    )  # fmt: skip
    assert response.status_code == 400
    taken = Shift.objects.get(vehicle__code="VAN-A", date=TUESDAY)
    assert f"#{taken.pk}" in response.content.decode()
    assert not Shift.objects.filter(driver=other_driver).exists()


def test_break_outside_the_shift_shows_on_its_row(dispatcher_client, depot):
    van, driver = VehicleFactory(code="VAN-C", depot=depot), DriverFactory()
    response = dispatcher_client.post(
        reverse("routing:fleet-shift-create"),
        {"date": "2030-03-08", "vehicle": van.pk, "driver": driver.pk, "start_time": "08:00",
         "end_time": "12:00", "break1_earliest": "11:50", "break1_latest": "11:55",
         "break1_minutes": "30"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["break0_earliest"]  # rows are renumbered in order
    assert not Shift.objects.exists()


def test_vehicle_and_driver_pages_create_edit_and_refuse_deleting_history(dispatcher_client, depot):
    created = dispatcher_client.post(
        reverse("routing:fleet-vehicle-create"),
        {"code": "VAN-Z", "name": "Zed", "depot": depot.pk, "capacity_weight_kg": "700",
         "capacity_volume_m3": "6", "capacity_units": "150", "cost_per_km": "0.3",
         "cost_per_hour": "20", "fixed_cost": "10", "currency": "eur",
         "skills": ["frozen"], "is_active": "on"},
    )  # fmt: skip
    assert created.status_code == 302
    van = Vehicle.objects.get(code="VAN-Z")
    assert van.skills == ["frozen"] and van.currency == "EUR"
    assert "VAN-Z" in dispatcher_client.get(reverse("routing:fleet-vehicles")).content.decode()

    new_driver = dispatcher_client.post(
        reverse("routing:fleet-driver-create"),
        {"username": "eve", "first_name": "Eve", "working_days": ["1", "2", "3"],
         "default_vehicle": van.pk, "is_active": "on"},
    )  # fmt: skip
    assert new_driver.status_code == 302
    driver = van.default_drivers.get()
    assert driver.working_days == [1, 2, 3]
    ShiftFactory(vehicle=van, driver=driver, date=MONDAY)
    refused = dispatcher_client.post(reverse("routing:fleet-vehicle-delete", args=["VAN-Z"]))
    assert refused.status_code == 409 and "deactivate" in refused.content.decode()
    assert Vehicle.objects.filter(code="VAN-Z").exists()


def test_time_off_on_the_driver_page_warns_about_booked_shifts(dispatcher_client, depot):
    shift = ShiftFactory(vehicle=VehicleFactory(depot=depot), date=MONDAY)
    url = reverse("routing:fleet-time-off-add", args=[shift.driver.pk])
    response = dispatcher_client.post(
        url, {"start_date": "2030-03-04", "end_date": "2030-03-05", "reason": "leave"}, follow=True
    )
    html = response.content.decode()
    assert "1 shift(s) already booked" in html and f"#{shift.pk}" in html
    bad = dispatcher_client.post(url, {"start_date": "2030-03-05", "end_date": "2030-03-04"})
    assert bad.status_code == 400 and "before the first" in bad.content.decode()
    # the driver's own form beside it still shows the driver as saved
    assert bad.context["form"].initial["phone"] == shift.driver.phone


def test_only_dispatchers_and_admins_see_and_open_the_fleet(client, depot):
    pages = [
        reverse("routing:fleet-week"),
        reverse("routing:fleet-shifts"),
        reverse("routing:fleet-vehicles"),
        reverse("routing:fleet-drivers"),
        reverse("routing:fleet-shift-create"),
    ]
    for role in (Role.WAREHOUSE, Role.PURCHASING, Role.DRIVER):
        client.force_login(make_user(role))
        assert all(client.get(url).status_code == 403 for url in pages), role
        assert reverse("routing:fleet-week") not in client.get("/").content.decode()
    for role in (Role.DISPATCHER, Role.ADMIN):
        client.force_login(make_user(role))
        assert all(client.get(url).status_code == 200 for url in pages), role
        assert f'href="{reverse("routing:fleet-week")}"' in client.get("/").content.decode()


def test_capacity_cards_link_to_the_week_view(depot, settings):
    settings.FORECAST_STOPS_PER_DRIVER_HOUR = 4.0
    tomorrow = warehouse_today(depot) + dt.timedelta(days=1)  # the cards start there
    ShiftFactory(vehicle=VehicleFactory(depot=depot), date=tomorrow)
    cards = capacity_dashboard_cards(make_user(Role.DISPATCHER))
    assert cards and all(
        c.url.startswith(reverse("routing:fleet-week") + "?depot=BER1") for c in cards
    )


def test_week_view_and_shift_list_queries_do_not_grow_with_shifts(
    dispatcher_client, depot, week_case, django_assert_max_num_queries
):
    for n in range(8):
        ShiftFactory(vehicle=VehicleFactory(depot=depot), date=TUESDAY + dt.timedelta(days=n % 3))
    week = f"{reverse('routing:fleet-week')}?start={MONDAY}&depot=BER1"
    with django_assert_max_num_queries(12):
        assert dispatcher_client.get(week).status_code == 200
    with django_assert_max_num_queries(10):
        page = dispatcher_client.get(reverse("routing:fleet-shifts"), {"date_from": MONDAY})
    assert page.status_code == 200 and len(page.context["shifts"]) == 11


def test_the_django_admin_only_shows_the_fleet(client, depot):
    """Edits go through the fleet services (their rules); the admin cannot bypass them."""
    from django.contrib.auth import get_user_model

    boss = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    vehicle = VehicleFactory(depot=depot)
    client.force_login(boss)
    assert client.get(reverse("admin:routing_vehicle_changelist")).status_code == 200
    assert client.get(reverse("admin:routing_vehicle_add")).status_code == 403
    change = client.post(reverse("admin:routing_vehicle_change", args=[vehicle.pk]), {})
    assert change.status_code == 403
    vehicle.refresh_from_db()
    assert vehicle.depot == depot
    assert client.get(reverse("admin:routing_driver_add")).status_code == 403
    assert client.get(reverse("admin:routing_shift_add")).status_code == 403


def test_fleet_and_planning_pages_open_on_today_where_the_depot_is(
    dispatcher_client, depot, monkeypatch
):
    """Sunday 23:30 UTC is Monday in Berlin: the week view opens on that Monday's week, the
    shift list from Monday and the new plan on Monday (the depot's dates), not on the server's
    (UTC) Sunday."""
    today = timezone.now().date()  # last Sunday, so the login session is still valid then
    sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7 or 7)
    late = dt.datetime.combine(sunday, dt.time(23, 30), tzinfo=dt.UTC)
    monday = sunday + dt.timedelta(days=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: late)
    week = dispatcher_client.get(reverse("routing:fleet-week"))
    assert week.context["start"] == monday
    shifts = dispatcher_client.get(reverse("routing:fleet-shifts"))
    assert shifts.context["date_from"] == monday
    plan = dispatcher_client.get(reverse("routing:plan-create"))
    assert plan.context["filters"]["date"].initial == monday


def test_the_dashboard_counts_the_plans_of_today_where_the_depot_is(
    dispatcher_client, depot, monkeypatch
):
    """At 23:30 UTC on Sunday, Monday's plan in Berlin is today's plan on the dashboard."""
    from routing import services

    today = timezone.now().date()
    sunday = today - dt.timedelta(days=(today.weekday() + 1) % 7 or 7)
    monday = sunday + dt.timedelta(days=1)
    services.plan_create(date=monday, depots=[depot], orders=[], shifts=[])
    services.plan_create(date=sunday, depots=[depot], orders=[], shifts=[])
    services.plan_create(date=sunday, depots=[depot], orders=[], shifts=[])
    late = dt.datetime.combine(sunday, dt.time(23, 30), tzinfo=dt.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: late)
    cards = {c.title: c.value for c in dispatcher_client.get("/").context["cards"]}
    assert cards["Plans today"] == 1
