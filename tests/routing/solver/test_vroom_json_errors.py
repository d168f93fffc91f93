"""Invalid VROOM input is refused with a VroomInputError naming the JSON path of each fault,
and fields the solver cannot honour are refused the same way instead of being ignored."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.solver.vroom_json import VroomInputError, loads, parse_input

DURATIONS = [[0, 10, 20, 30], [10, 0, 15, 25], [20, 15, 0, 12], [30, 25, 12, 0]]


def base():
    return copy.deepcopy(_BASE)


_BASE = {
    "vehicles": [
        {"id": 1, "start_index": 0, "end_index": 0, "capacity": [5]},
        {"id": 2, "start_index": 0, "capacity": [5]},
    ],
    "jobs": [
        {"id": 1, "location_index": 1, "delivery": [1]},
        {"id": 2, "location_index": 2, "delivery": [1]},
        {"id": 3, "location_index": 3, "time_windows": [[0, 100]]},
        {"id": 4, "location_index": 3},
    ],
    "shipments": [
        {"pickup": {"id": 1, "location_index": 1}, "delivery": {"id": 1, "location_index": 2}}
    ],
    "matrices": {"car": {"durations": DURATIONS, "distances": DURATIONS}},
}


def refused(data) -> dict[str, str]:
    with pytest.raises(VroomInputError) as info:
        parse_input(data)
    return dict(info.value.errors)


def with_change(change):
    data = base()
    change(data)
    return data


def test_base_input_is_valid():
    vp = parse_input(base())
    assert len(vp.problem.stops) == 6 and len(vp.problem.pairs) == 1


def test_malformed_json_says_where():
    with pytest.raises(VroomInputError) as info:
        loads('{"vehicles": [}')
    assert info.value.path == ""
    assert "malformed JSON" in info.value.message and "line 1 column 15" in info.value.message


def test_nan_is_not_json():
    with pytest.raises(VroomInputError, match="malformed JSON"):
        loads('{"vehicles": NaN}')


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ([], ""),
        ({}, "vehicles"),
        ({"vehicles": []}, "vehicles"),
        ({"vehicles": {}}, "vehicles"),
    ],
)
def test_document_shape_is_checked(data, path):
    assert path in refused(data)


CASES = {
    "wrong type": (lambda d: d["jobs"][1].update(service="60"), "jobs[1].service"),
    "boolean is no integer": (lambda d: d["jobs"][1].update(setup=True), "jobs[1].setup"),
    "float id": (lambda d: d["jobs"][0].update(id=1.5), "jobs[0].id"),
    "negative amount": (lambda d: d["jobs"][0].update(delivery=[-1]), "jobs[0].delivery[0]"),
    "reversed window": (
        lambda d: d["jobs"][3].update(time_windows=[[50, 10]]),
        "jobs[3].time_windows[0]",
    ),
    "window not a pair": (
        lambda d: d["jobs"][3].update(time_windows=[[1, 2], [5]]),
        "jobs[3].time_windows[1]",
    ),
    "empty windows": (lambda d: d["jobs"][3].update(time_windows=[]), "jobs[3].time_windows"),
    "unknown field": (lambda d: d["jobs"][0].update(time_window=[0, 5]), "jobs[0].time_window"),
    "amount size": (lambda d: d["jobs"][2].update(delivery=[1, 2]), "jobs[2].delivery"),
    "duplicate job id": (lambda d: d["jobs"][1].update(id=1), "jobs[1].id"),
    "duplicate vehicle id": (lambda d: d["vehicles"][1].update(id=1), "vehicles[1].id"),
    "index beyond matrix": (
        lambda d: d["jobs"][0].update(location_index=9),
        "jobs[0].location_index",
    ),
    "index needed with matrices": (
        lambda d: d["jobs"][0].pop("location_index"),
        "jobs[0].location_index",
    ),
    "shipment step": (
        lambda d: d["shipments"][0]["pickup"].update(time_windows=[[9, 1]]),
        "shipments[0].pickup.time_windows[0]",
    ),
    "shipment without delivery": (
        lambda d: d["shipments"][0].pop("delivery"),
        "shipments[0].delivery",
    ),
    "priority range": (lambda d: d["jobs"][0].update(priority=101), "jobs[0].priority"),
    "vehicle without start or end": (
        lambda d: [d["vehicles"][1].pop(k) for k in ("start_index",)],
        "vehicles[1]",
    ),
    "capacity size": (lambda d: d["vehicles"][1].update(capacity=[5, 5]), "vehicles[1].capacity"),
    "skills": (lambda d: d["vehicles"][0].update(skills=["fridge"]), "vehicles[0].skills[0]"),
    "speed factor range": (
        lambda d: [v.update(speed_factor=0) for v in d["vehicles"]],
        "vehicles[0].speed_factor",
    ),
    "matrix not square": (
        lambda d: d["matrices"]["car"]["durations"][1].pop(),
        "matrices.car.durations[1]",
    ),
    "matrix entry": (
        lambda d: d["matrices"]["car"]["durations"][0].__setitem__(1, -3),
        "matrices.car.durations[0][1]",
    ),
    "matrix sizes": (
        lambda d: d["matrices"]["car"].update(distances=[[0]]),
        "matrices.car",
    ),
    "no matrix for the profile": (
        lambda d: [v.update(profile="bike") for v in d["vehicles"]],
        "matrices",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_invalid_input_names_the_path(case):
    change, path = CASES[case]
    errors = refused(with_change(change))
    assert path in errors, errors


UNSUPPORTED = {
    "custom routes": (lambda d: d["vehicles"][0].update(steps=[]), "vehicles[0].steps"),
    "break load limit": (
        lambda d: d["vehicles"][0].update(breaks=[{"id": 1, "max_load": [2]}]),
        "vehicles[0].breaks[0].max_load",
    ),
    "break with two windows": (
        lambda d: d["vehicles"][0].update(
            breaks=[{"id": 1, "time_windows": [[0, 5], [10, 20]], "service": 5}]
        ),
        "vehicles[0].breaks[0].time_windows",
    ),
    "service per vehicle type": (
        lambda d: d["jobs"][0].update(service_per_type={"van": 30}),
        "jobs[0].service_per_type",
    ),
    "two profiles": (lambda d: d["vehicles"][1].update(profile="bike"), "vehicles[1].profile"),
    "two speed factors": (
        lambda d: d["vehicles"][1].update(speed_factor=1.5),
        "vehicles[1].speed_factor",
    ),
    "per_km without distances": (
        lambda d: (
            d["matrices"]["car"].pop("distances"),
            d["vehicles"][0].update(costs={"per_km": 2}),
        ),
        "vehicles[0].costs.per_km",
    ),
    "custom costs with per_hour": (
        lambda d: (
            d["matrices"]["car"].update(costs=DURATIONS),
            d["vehicles"][0].update(costs={"per_hour": 100}),
        ),
        "vehicles[0].costs.per_hour",
    ),
    "max_tasks with shipments": (
        lambda d: d["vehicles"][0].update(max_tasks=2),
        "vehicles[0].max_tasks",
    ),
    "index without matrices": (
        lambda d: (
            d.pop("matrices"),
            d["vehicles"][0].update(start=[2.35, 48.85]),
        ),
        "jobs[0].location_index",
    ),
}


@pytest.mark.parametrize("case", UNSUPPORTED, ids=list(UNSUPPORTED))
def test_what_the_solver_cannot_honour_is_refused_by_path(case):
    change, path = UNSUPPORTED[case]
    errors = refused(with_change(change))
    assert path in errors, errors


def test_every_fault_is_reported_at_once():
    data = base()
    data["jobs"][0]["service"] = -5
    data["jobs"][3]["time_windows"] = [[9, 1]]
    data["vehicles"][0]["colour"] = "red"
    errors = refused(data)
    assert {"jobs[0].service", "jobs[3].time_windows[0]", "vehicles[0].colour"} <= set(errors)


def test_coordinates_are_checked_as_lon_lat():
    data = {
        "vehicles": [{"id": 1, "start": [2.35, 48.85]}],
        "jobs": [{"id": 1, "location": [2.36, 95.0]}, {"id": 2, "location": "here"}],
    }
    errors = refused(data)
    assert "latitude" in errors["jobs[0].location[1]"]
    assert "jobs[1].location" in errors


def test_no_tasks_is_refused():
    data = base()
    data["jobs"], data["shipments"] = [], []
    assert "jobs" in refused(data)


def test_error_message_lists_path_and_reason():
    data = copy.deepcopy(base())
    data["jobs"][3]["time_windows"] = [[50, 10]]
    with pytest.raises(VroomInputError) as info:
        parse_input(data)
    assert info.value.path == "jobs[3].time_windows[0]"
    assert str(info.value) == "jobs[3].time_windows[0]: ends (10) before it starts (50)"


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"time_limit": 0}, "options.time_limit"),
        ({"time_limit": "fast"}, "options.time_limit"),
        ({"g": True}, "options.g"),
        ({"x": 5}, "options.x"),
        ([], "options"),
        (None, "options"),
    ],
)
def test_options_are_checked(options, path):
    data = base()
    data["options"] = options
    assert path in refused(data)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for k, child in enumerate(value):
            yield from _paths(child, (*prefix, k))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=st.data())
def test_any_value_anywhere_is_refused_with_a_path_never_a_crash(data):
    doc = base()
    doc["options"] = {"time_limit": 1}
    doc["vehicles"][0] |= {
        "breaks": [{"id": 1, "time_windows": [[0, 50]], "service": 5}],
        "costs": {"fixed": 1, "per_km": 2},
        "time_window": [0, 500],
        "skills": [1],
        "speed_factor": 1.5,
    }
    doc["vehicles"][1]["speed_factor"] = 1.5
    doc["jobs"][0] |= {"skills": [1], "priority": 3, "pickup": [1], "description": "x"}
    parse_input(copy.deepcopy(doc))  # valid before the change
    path = data.draw(st.sampled_from(list(_paths(doc))[1:]))
    value = data.draw(JSON_VALUES)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        parse_input(doc)
    except VroomInputError as exc:
        assert exc.errors and all(isinstance(p, str) and m for p, m in exc.errors)
