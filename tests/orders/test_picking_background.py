"""Recording a pick wave as picked runs in the background: the button answers at once, the
page shows the progress, a double click books nothing twice and a stop is shown on the page."""

import pytest

from core.roles import Role
from inventory.models import Location, StockMove
from orders.models import CustomerOrder, PickWave
from orders.services import order_confirm, pick_wave_create
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor(client):
    client.force_login(make_user(Role.WAREHOUSE, username="wim"))
    return client


@pytest.fixture
def wave(stocked, make_order, tea, kettle, warehouse):
    for lines in ([(tea, 2)], [(kettle, 1)], [(tea, 1), (kettle, 1)]):
        order_confirm(order=make_order(lines))
    return pick_wave_create(warehouse=warehouse)


def _url(wave):
    return f"/orders/waves/{wave.reference}/"


def _text(response):
    return response.content.decode()


def test_record_as_picked_answers_at_once_and_the_task_picks_every_order(
    floor, wave, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = floor.post(_url(wave))
    assert response.status_code == 302
    wave.refresh_from_db()
    assert (wave.status, wave.orders_to_pick, wave.orders_picked) == ("picking", 3, 0)
    assert set(wave.orders.values_list("status", flat=True)) == {"confirmed"}  # nothing yet

    page = _text(floor.get(_url(wave)))
    assert "Recording as picked" in page and "0 of 3 orders picked" in page
    assert "Record as picked</button>" not in page  # no second button while it runs
    poll = floor.get(_url(wave) + "?progress=1", HTTP_HX_REQUEST="true")
    assert 'id="wave-progress"' in _text(poll) and "<html" not in _text(poll)

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    wave.refresh_from_db()
    assert (wave.status, wave.orders_picked, wave.error) == ("done", 3, "")
    assert set(wave.orders.values_list("status", flat=True)) == {"picked"}
    assert StockMove.objects.filter(kind="pick").count() == 4  # one per order line
    done = floor.get(_url(wave) + "?progress=1", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"  # the page reloads to show the picked wave
    assert "picked" in _text(floor.get(_url(wave)))


def test_a_double_submit_books_nothing_twice(floor, wave, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        floor.post(_url(wave))
        second = floor.post(_url(wave), follow=True)
    assert "already being picked" in _text(second)
    tasks = [c for c in callbacks if "pick_wave_start" in c.__qualname__]
    assert len(tasks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks + callbacks:  # even a task delivered twice
            callback()
    assert StockMove.objects.filter(kind="pick").count() == 4
    assert PickWave.objects.get(pk=wave.pk).orders_picked == 3


def test_a_stop_lands_on_the_page_and_recording_again_picks_the_rest(
    floor, wave, django_capture_on_commit_callbacks
):
    Location.objects.filter(kind="dispatch").update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        floor.post(_url(wave))
    wave.refresh_from_db()
    first = wave.orders.order_by("pk").first()
    assert wave.status == "open"
    assert wave.error.startswith(f"{first.reference}: Warehouse BER has no active dispatch")
    page = _text(floor.get(_url(wave)))
    assert "Recording as picked stopped:" in page and first.reference in page
    assert "Record as picked</button>" in page

    Location.objects.filter(kind="dispatch").update(is_active=True)
    with django_capture_on_commit_callbacks(execute=True):
        floor.post(_url(wave))
    wave.refresh_from_db()
    assert (wave.status, wave.error) == ("done", "")
    assert not CustomerOrder.objects.filter(status="confirmed").exists()


def test_a_done_wave_cannot_be_recorded_again(floor, wave, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        floor.post(_url(wave))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = floor.post(_url(wave), follow=True)
    assert callbacks == [] and "done" in _text(again).lower()
    assert StockMove.objects.filter(kind="pick").count() == 4


def test_only_floor_roles_may_record_a_wave(client, wave):
    client.force_login(make_user(Role.PURCHASING, username="pia"))
    assert client.post(_url(wave)).status_code == 403
    assert PickWave.objects.get(pk=wave.pk).status == "open"


def test_the_packing_page_queries_do_not_grow_with_its_orders(
    floor, stocked, make_order, tea, warehouse, django_assert_max_num_queries
):
    from orders.services import order_pick

    def picked(n):
        for _ in range(n):
            order_pick(order=order_confirm(order=make_order([(tea, 1)])))

    picked(2)
    with django_assert_max_num_queries(10) as few:
        assert floor.get("/orders/packing/").status_code == 200
    picked(4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = floor.get("/orders/packing/").content.decode()
    assert page.count('name="parcels"') == 6


def test_a_run_whose_task_was_lost_can_be_started_again(
    floor, wave, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):
        floor.post(_url(wave))  # its task never runs
    with django_capture_on_commit_callbacks(execute=True):
        assert "already being picked" in _text(floor.post(_url(wave), follow=True))
    PickWave.objects.filter(pk=wave.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        floor.post(_url(wave))
    assert PickWave.objects.get(pk=wave.pk).status == "done"
    assert StockMove.objects.filter(kind="pick").count() == 4
