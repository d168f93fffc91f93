"""Pickup-delivery pairs whose time windows are out of order."""

from solver_testkit import depot, planar

from routing.solver import PickupDelivery, Stop, TimeWindow, Vehicle, check, solve


def _pair_problem(pickup_windows, delivery_windows):
    stops = [
        Stop("P", (10, 0), demand={"units": 1}, windows=pickup_windows, service_s=5),
        Stop("Q", (20, 0), windows=delivery_windows, service_s=5),
        Stop("R", (0, 10), demand={"units": 1}),
    ]
    vehicles = [Vehicle("V", "D", capacity={"units": 5})]
    return planar([depot()], vehicles, stops, pairs=[PickupDelivery("P", "Q")])


def test_a_pair_whose_delivery_closes_before_its_pickup_opens_is_unassigned_with_a_reason():
    problem = _pair_problem((TimeWindow(500, 600),), (TimeWindow(0, 100),))
    for engine in ("auto", "pyvrp", "ortools"):
        sol = solve(problem, 0.5, engine=engine)
        assert check(problem, sol) == []
        reasons = {u.stop_id: u.reason for u in sol.unassigned}
        assert set(reasons) == {"P", "Q"}, engine
        assert "delivery window closes" in reasons["P"]
        assert [r.stop_ids for r in sol.routes] == [["R"]]


def test_a_pair_whose_first_windows_contradict_is_served_in_a_later_window():
    problem = _pair_problem((TimeWindow(500, 600),), (TimeWindow(0, 100), TimeWindow(700, 900)))
    sol = solve(problem, 0.5)
    assert check(problem, sol) == []
    assert sol.unassigned == []
