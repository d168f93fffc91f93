"""Fleet API: vehicles, drivers (time off) and shifts, with the booking rules and access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.roles import Role
from routing.models import Driver, Shift, Vehicle
from tests.factories import DriverFactory, ShiftFactory, VehicleFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 5)  # a Tuesday, far from today so no "from today on" rule interferes


@pytest.fixture
def api(staff_api):
    return staff_api(Role.DISPATCHER)


@pytest.fixture
def depot():
    return WarehouseFactory(code="BER1", timezone="Europe/Berlin")


@pytest.fixture
def van(depot):
    return VehicleFactory(code="VAN-1", depot=depot)


@pytest.fixture
def van2(depot):
    return VehicleFactory(code="VAN-2", depot=depot)


@pytest.fixture
def driver():
    return DriverFactory(user__username="ada", user__first_name="Ada", user__last_name="Lang")


@pytest.fixture
def driver2():
    return DriverFactory(user__username="bo")


def book(api, **body):
    body.setdefault("date", DAY.isoformat())
    body.setdefault("start_time", "08:00")
    body.setdefault("end_time", "16:00")
    return api.post("/api/v1/shifts/", body, format="json")


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


# --- vehicles ---------------------------------------------------------------------------------


def test_vehicle_crud_round_trip(api, depot):
    body = {
        "code": "VAN-9",
        "name": "Big van",
        "depot": "BER1",
        "capacity_weight_kg": "1200.00",
        "capacity_volume_m3": "12.500",
        "capacity_units": 300,
        "cost_per_km": "0.45",
        "cost_per_hour": "28.00",
        "fixed_cost": "35.00",
        "skills": ["tail_lift", "refrigerated"],
    }
    created = api.post("/api/v1/vehicles/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["skills"] == ["refrigerated", "tail_lift"]
    assert created.json()["depot"] == "BER1"

    listed = api.get("/api/v1/vehicles/?depot=BER1&skill=tail_lift").json()
    assert [v["code"] for v in listed["results"]] == ["VAN-9"]

    changed = api.patch("/api/v1/vehicles/VAN-9/", {"capacity_units": 250}, format="json")
    assert changed.status_code == 200
    assert Vehicle.objects.get(code="VAN-9").capacity_units == 250

    assert api.delete("/api/v1/vehicles/VAN-9/").status_code == 204
    assert not Vehicle.objects.filter(code="VAN-9").exists()


def test_vehicle_bad_input_names_the_field(api, depot, van):
    negative = api.post(
        "/api/v1/vehicles/",
        {"code": "X", "name": "x", "depot": "BER1", "capacity_weight_kg": "-1",
         "capacity_volume_m3": "1", "capacity_units": 1},
        format="json",
    )  # fmt: skip
    assert negative.status_code == 400 and "capacity_weight_kg" in fields(negative)
    unknown_depot = api.patch("/api/v1/vehicles/VAN-1/", {"depot": "NOPE"}, format="json")
    assert unknown_depot.status_code == 422 and fields(unknown_depot) == {"depot"}
    duplicate = api.post(
        "/api/v1/vehicles/",
        {"code": "VAN-1", "name": "x", "depot": "BER1", "capacity_weight_kg": "1",
         "capacity_volume_m3": "1", "capacity_units": 1},
        format="json",
    )  # fmt: skip
    assert duplicate.status_code == 409 and fields(duplicate) == {"code"}
    bad_skill = api.patch("/api/v1/vehicles/VAN-1/", {"skills": ["flying"]}, format="json")
    assert bad_skill.status_code == 400 and "skills" in str(bad_skill.json()["errors"])


def test_vehicle_with_history_is_not_deleted(api, van, driver):
    ShiftFactory(vehicle=van, driver=driver, date=DAY)
    response = api.delete("/api/v1/vehicles/VAN-1/")
    assert response.status_code == 409
    assert "deactivate" in response.json()["detail"]
    assert Vehicle.objects.filter(code="VAN-1").exists()


def test_vehicle_with_booked_shifts_cannot_move_depot(api, van, driver):
    ShiftFactory(vehicle=van, driver=driver, date=DAY)
    WarehouseFactory(code="HAM1", timezone="Europe/Berlin")
    response = api.patch("/api/v1/vehicles/VAN-1/", {"depot": "HAM1"}, format="json")
    assert response.status_code == 409 and fields(response) == {"depot"}
    assert Vehicle.objects.get(code="VAN-1").depot.code == "BER1"


# --- drivers and time off -------------------------------------------------------------------


def test_driver_create_for_a_new_account_gets_the_driver_role(api, van):
    response = api.post(
        "/api/v1/drivers/",
        {"username": "cem", "first_name": "Cem", "skills": ["hazmat"], "default_vehicle": "VAN-1",
         "working_days": [1, 2, 3, 4, 5], "work_start": "06:00", "work_end": "18:00"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["default_vehicle"] == "VAN-1" and body["working_days"] == [1, 2, 3, 4, 5]
    driver = Driver.objects.get(user__username="cem")
    assert driver.user.groups.filter(name=Role.DRIVER).exists()
    assert not driver.user.has_usable_password()
    again = api.post("/api/v1/drivers/", {"username": "cem"}, format="json")
    assert again.status_code == 409 and fields(again) == {"username"}


def test_driver_bad_input_names_the_field(api, driver):
    url = f"/api/v1/drivers/{driver.pk}/"
    assert fields(api.patch(url, {"working_days": [0]}, format="json")) == {"working_days[0]"}
    half = api.patch(url, {"work_start": "08:00"}, format="json")
    assert half.status_code == 422 and fields(half) == {"work_end"}
    reversed_hours = api.patch(url, {"work_start": "18:00", "work_end": "08:00"}, format="json")
    assert reversed_hours.status_code == 422 and fields(reversed_hours) == {"work_end"}
    unknown_van = api.patch(url, {"default_vehicle": "NOPE"}, format="json")
    assert unknown_van.status_code == 422 and fields(unknown_van) == {"default_vehicle"}


def test_time_off_reports_shifts_already_booked(api, van, driver):
    shift = ShiftFactory(vehicle=van, driver=driver, date=DAY)
    url = f"/api/v1/drivers/{driver.pk}/time-off/"
    response = api.post(
        url, {"start_date": "2030-03-04", "end_date": "2030-03-06", "reason": "flu"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["shifts_booked"] == [shift.pk]
    assert api.get(f"/api/v1/shifts/{shift.pk}/").json()["driver_is_off"] is True
    bad = api.post(url, {"start_date": "2030-03-06", "end_date": "2030-03-04"}, format="json")
    assert bad.status_code == 422 and fields(bad) == {"end_date"}
    off_id = response.json()["id"]
    assert api.delete(f"{url}{off_id}/").status_code == 204
    assert api.get(f"/api/v1/shifts/{shift.pk}/").json()["driver_is_off"] is False


# --- shifts ---------------------------------------------------------------------------------


def test_shift_crud_with_several_breaks_in_the_depot_zone(api, van, driver):
    response = book(
        api,
        driver=driver.pk,
        vehicle="VAN-1",
        depot="BER1",
        breaks=[
            {"earliest": "14:00", "latest": "14:30", "duration_s": 900},
            {"earliest": "11:30", "latest": "12:30", "duration_s": 1800},
        ],
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["start"] == "2030-03-05T08:00:00+01:00" and body["end"] == "2030-03-05T16:00:00+01:00"
    )
    assert [b["earliest"] for b in body["breaks"]] == ["11:30:00", "14:00:00"]
    assert body["working_hours"] == 7.25 and body["depot"] == "BER1"
    shift = Shift.objects.get(pk=body["id"])
    assert (shift.break_earliest, shift.break_duration_s) == (dt.time(11, 30), 1800)
    assert shift.extra_breaks.count() == 1

    listed = api.get("/api/v1/shifts/?depot=BER1&date_from=2030-03-01&date_to=2030-03-07").json()
    assert [s["id"] for s in listed["results"]] == [shift.pk]

    changed = api.patch(f"/api/v1/shifts/{shift.pk}/", {"end_time": "17:00", "breaks": []},
                        format="json")  # fmt: skip
    assert changed.status_code == 200, changed.json()
    assert changed.json()["breaks"] == [] and changed.json()["working_hours"] == 9.0
    assert api.delete(f"/api/v1/shifts/{shift.pk}/").status_code == 204
    assert not Shift.objects.exists()


def test_overlapping_shift_for_the_driver_is_refused_naming_the_other(api, van, van2, driver):
    first = book(api, driver=driver.pk, vehicle="VAN-1").json()
    response = book(api, driver=driver.pk, vehicle="VAN-2", start_time="12:00", end_time="20:00")
    assert response.status_code == 409
    body = response.json()
    assert fields(response) == {"driver"} and body["conflicting_shift"] == first["id"]
    assert f"#{first['id']}" in body["detail"] and "VAN-1" in body["detail"]
    assert "08:00" in body["detail"] and "overlaps" in body["detail"]
    assert Shift.objects.count() == 1


def test_overlapping_shift_for_the_vehicle_is_refused_naming_the_other(api, van, driver, driver2):
    first = book(api, driver=driver.pk, vehicle="VAN-1").json()
    response = book(api, driver=driver2.pk, vehicle="VAN-1", start_time="15:00", end_time="19:00")
    assert response.status_code == 409
    assert fields(response) == {"vehicle"} and response.json()["conflicting_shift"] == first["id"]
    assert f"#{first['id']}" in response.json()["detail"]


def test_second_shift_the_same_day_is_refused_even_without_overlap(api, van, van2, driver):
    book(api, driver=driver.pk, vehicle="VAN-1", start_time="06:00", end_time="10:00")
    response = book(api, driver=driver.pk, vehicle="VAN-2", start_time="14:00", end_time="18:00")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "shift_same_day"
    assert "one shift a day" in response.json()["detail"]


def test_moving_a_shift_onto_another_is_refused(api, van, van2, driver, driver2):
    book(api, driver=driver.pk, vehicle="VAN-1")
    other = book(api, driver=driver2.pk, vehicle="VAN-2").json()
    response = api.patch(f"/api/v1/shifts/{other['id']}/", {"vehicle": "VAN-1"}, format="json")
    assert response.status_code == 409 and fields(response) == {"vehicle"}
    assert Shift.objects.get(pk=other["id"]).vehicle.code == "VAN-2"


def test_break_outside_the_shift_is_refused(api, van, driver):
    late = book(
        api, driver=driver.pk, vehicle="VAN-1",
        breaks=[{"earliest": "12:00", "latest": "15:45", "duration_s": 1800}],
    )  # fmt: skip
    assert late.status_code == 422 and fields(late) == {"breaks[0]"}
    assert "inside the shift" in late.json()["detail"]
    early = book(
        api, driver=driver.pk, vehicle="VAN-1",
        breaks=[{"earliest": "07:00", "latest": "09:00", "duration_s": 600}],
    )  # fmt: skip
    assert early.status_code == 422 and fields(early) == {"breaks[0]"}
    backwards = book(api, driver=driver.pk, vehicle="VAN-1", start_time="16:00", end_time="08:00")
    assert backwards.status_code == 422 and fields(backwards) == {"end_time"}
    assert not Shift.objects.exists()


def test_shift_on_time_off_is_refused(api, van, driver):
    api.post(
        f"/api/v1/drivers/{driver.pk}/time-off/",
        {"start_date": "2030-03-05", "end_date": "2030-03-05", "reason": "dentist"},
        format="json",
    )
    response = book(api, driver=driver.pk, vehicle="VAN-1")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "driver_time_off"
    assert "dentist" in response.json()["detail"] and fields(response) == {"driver"}


def test_shift_outside_availability_is_refused(api, van, driver):
    driver.working_days = [1, 2, 3, 4, 5]
    driver.work_start, driver.work_end = dt.time(7), dt.time(15)
    driver.save()
    saturday = book(api, driver=driver.pk, vehicle="VAN-1", date="2030-03-09")
    assert saturday.status_code == 422 and fields(saturday) == {"date"}
    too_long = book(api, driver=driver.pk, vehicle="VAN-1")
    assert too_long.status_code == 422 and fields(too_long) == {"end_time"}


def test_shift_with_depot_other_than_the_vehicles_is_refused(api, van, driver):
    WarehouseFactory(code="HAM1")
    response = book(api, driver=driver.pk, vehicle="VAN-1", depot="HAM1")
    assert response.status_code == 422 and fields(response) == {"depot"}


def test_shift_bad_references_name_the_field(api, van, driver):
    assert fields(book(api, driver=999999, vehicle="VAN-1")) == {"driver"}
    assert fields(book(api, driver=driver.pk, vehicle="NOPE")) == {"vehicle"}
    garbage = book(api, driver=driver.pk, vehicle="VAN-1", start_time="8 o'clock")
    assert garbage.status_code == 400 and fields(garbage) == {"start_time"}
    bad_filter = api.get("/api/v1/shifts/?date_from=tomorrow")
    assert bad_filter.status_code == 400


def test_booking_is_idempotent(api, van, driver):
    body = {"driver": driver.pk, "vehicle": "VAN-1", "date": DAY.isoformat(),
            "start_time": "08:00", "end_time": "16:00"}  # fmt: skip
    first = api.post("/api/v1/shifts/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/shifts/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and Shift.objects.count() == 1


def test_list_query_counts_stay_flat(api, depot, django_assert_max_num_queries):
    for n in range(6):
        v = VehicleFactory(code=f"Q{n}", depot=depot)
        ShiftFactory(vehicle=v, driver=DriverFactory(), date=DAY)
    for url in ("/api/v1/shifts/", "/api/v1/vehicles/", "/api/v1/drivers/"):
        with django_assert_max_num_queries(8):
            assert api.get(url).status_code == 200


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/vehicles/", "/api/v1/drivers/", "/api/v1/shifts/"])
def test_partner_keys_and_warehouse_staff_are_refused(url, partner_api, staff_api, van, driver):
    partner = partner_api()
    assert partner.get(url).status_code == 403
    assert partner.post(url, {}, format="json").status_code == 403
    warehouse = staff_api(Role.WAREHOUSE)
    assert warehouse.get(url).status_code == 403
    assert staff_api(Role.ADMIN).get(url).status_code == 200


def test_partner_key_cannot_read_or_change_one_vehicle(partner_api, van):
    partner = partner_api()
    assert partner.get("/api/v1/vehicles/VAN-1/").status_code == 403
    assert partner.delete("/api/v1/vehicles/VAN-1/").status_code == 403
    assert Vehicle.objects.filter(code="VAN-1", capacity_weight_kg=Decimal("800")).exists()


def test_removing_time_off_that_went_meanwhile_is_a_404_not_a_server_error(driver):
    """Two requests at once: one deletes the driver (its time off goes with it) while the other
    removes the time off it had already found."""
    from core.exceptions import NotFound
    from routing.fleet.models import DriverTimeOff
    from routing.fleet.services import driver_time_off_remove

    off = DriverTimeOff.objects.create(
        driver=driver, start_date=dt.date(2030, 1, 1), end_date=dt.date(2030, 1, 2)
    )
    DriverTimeOff.objects.filter(pk=off.pk).delete()
    with pytest.raises(NotFound, match="time off no longer exists"):
        driver_time_off_remove(time_off=off)
    Driver.objects.filter(pk=driver.pk).delete()
    with pytest.raises(NotFound, match="driver no longer exists"):
        driver_time_off_remove(time_off=off)
