"""The ETA load benchmark's figures: ping → ETA lags from the engine's log, whether the load
generator kept its schedule, and CPU seconds by process (benchmarks/eta_load.py).

Lags are taken from the ping's ARRIVAL (`PositionPing.received_at`, stamped by the server as
the request came in) to the commit of the first ETA recompute that used that ping or a newer
one of the same van (the engine's log: route, newest ping used, committed at, tick started at).
A ping whose route got no such recompute before the end of the run counts as an infinite lag,
never as a missing sample, so a backlog cannot hide in the percentiles.
"""

from __future__ import annotations

import math
import os


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def seconds(value, digits: int = 2):
    """A duration for the report: None when unknown or infinite (a ping that got no ETA)."""
    if value is None or math.isinf(value):
        return None
    return round(value, digits)


def schedule_figures(results, *, max_behind_s: float) -> dict:
    """How far behind its schedule the load generator sent the pings. A client that fell
    behind offered less load than asked, so the run measures nothing: `schedule_kept` False."""
    behind = [sent - scheduled for _r, _p, scheduled, sent, _took, _s in results]
    p99 = pct(behind, 99) or 0.0
    worst = max(behind, default=0.0)
    return {
        "client_behind_p50_s": round(pct(behind, 50) or 0.0, 3),
        "client_behind_p99_s": round(p99, 3),
        "client_behind_max_s": round(worst, 3),
        "schedule_kept": p99 <= max_behind_s,
    }


def _log_by_route(log: list[bytes]) -> dict[int, list[tuple[float, float, float]]]:
    """Per route: (newest ping used, committed at, tick started at), in commit order."""
    by_route: dict[int, list[tuple[float, float, float]]] = {}
    for raw in log:
        route, ping_stamp, wall, computed = raw.decode().split()
        by_route.setdefault(int(route), []).append(
            (float(ping_stamp), float(wall), float(computed))
        )
    for entries in by_route.values():
        entries.sort(key=lambda e: e[1])
    return by_route


def _first_using(entries, ping_stamp: float):
    """The first recompute (by commit time) that used this ping or a newer one."""
    for entry in entries:
        if entry[0] >= round(ping_stamp, 3) - 0.0005:
            return entry
    return None


def lag_figures(results, arrivals: dict, log: list[bytes]) -> dict:
    """Ping → ETA lags. `results`: the clients' (route, ping time, scheduled, sent, took,
    status); `arrivals`: (route, ping time in ms) → received_at (epoch s) from the database;
    `log`: the engine's log lines. Every figure is in seconds from the ping's arrival."""
    by_route = _log_by_route(log)
    lag, from_send, waited, firsts = [], [], [], {}
    for route_id, ping_stamp, _scheduled, sent, _took, status in results:
        if status != 201:
            continue
        arrived = arrivals.get((route_id, round(ping_stamp * 1000)))
        arrived = sent if arrived is None else arrived
        entry = _first_using(by_route.get(route_id, []), ping_stamp)
        value = math.inf if entry is None else max(0.0, entry[1] - arrived)
        lag.append(value)
        from_send.append(math.inf if entry is None else max(0.0, entry[1] - sent))
        if entry is not None:
            waited.append(max(0.0, entry[2] - arrived))
        first = firsts.get(route_id)
        if first is None or ping_stamp < first[0]:
            firsts[route_id] = (ping_stamp, value)
    first_lag = [value for _stamp, value in firsts.values()]
    ticks: dict[float, list[float]] = {}
    for entries in by_route.values():
        for _stamp, wall, computed in entries:
            ticks.setdefault(computed, []).append(wall)
    tick_s = [max(walls) - started for started, walls in ticks.items()]
    sizes = [len(walls) for walls in ticks.values()]
    return {
        "first_eta_routes": len(first_lag),
        "first_eta_lag_p50_s": seconds(pct(first_lag, 50)),
        "first_eta_lag_p99_s": seconds(pct(first_lag, 99)),
        "first_eta_lag_max_s": seconds(max(first_lag, default=None)),
        "eta_lag_p50_s": seconds(pct(lag, 50)),
        "eta_lag_p99_s": seconds(pct(lag, 99)),
        "eta_lag_max_s": seconds(max(lag, default=None)),
        "eta_lag_from_send_p99_s": seconds(pct(from_send, 99)),
        "pings_without_eta": sum(math.isinf(v) for v in lag),
        # Where the lag goes: waiting for the tick that took the ping, and the ticks' own time
        # (tick start to commit; a tick of more than TICK_CHUNK routes commits in chunks).
        "tick_wait_p50_s": seconds(pct(waited, 50)),
        "tick_wait_p99_s": seconds(pct(waited, 99)),
        "eta_recomputes": sum(sizes),
        "ticks": len(ticks),
        "routes_per_tick_p50": pct(sizes, 50),
        "routes_per_tick_max": max(sizes, default=None),
        "tick_s_p50": seconds(pct(tick_s, 50), 3),
        "tick_s_p99": seconds(pct(tick_s, 99), 3),
        "tick_s_max": seconds(max(tick_s, default=None), 3),
    }


def arrival_times(cursor) -> dict:
    """(route, ping time in ms) → received_at (epoch seconds) of every stored ping."""
    cursor.execute(
        "SELECT route_id, extract(epoch FROM time), extract(epoch FROM received_at) "
        "FROM tracking_positionping WHERE route_id IS NOT NULL"
    )
    return {(route, round(float(t) * 1000)): float(r) for route, t, r in cursor.fetchall()}


def verdict(figures: dict, *, target_s: float) -> dict:
    """Whether the run measures anything, and whether it meets the target."""
    reasons = []
    if not figures.get("schedule_kept", True):
        reasons.append(
            f"the load generator fell behind its schedule (p99 "
            f"{figures['client_behind_p99_s']} s late): the server got less load than asked"
        )
    if not figures.get("redis_kept", True):
        reasons.append("another process emptied the bench's Redis database (use --redis-db)")
    if figures.get("pings_201") != figures.get("pings_sent"):
        reasons.append("not every ping was accepted")
    if figures.get("pings_lost"):
        reasons.append("pings were lost")
    valid = not reasons
    if not valid:  # no numbers from a run that measured nothing (kept aside for debugging)
        lags = [k for k in figures if "lag" in k or k.startswith("tick_")]
        figures["discarded"] = {k: figures[k] for k in lags}
        figures.update(dict.fromkeys(lags))
    p99s = (figures.get("first_eta_lag_p99_s"), figures.get("eta_lag_p99_s"))
    met = valid and all(v is not None and v <= target_s for v in p99s)
    return {"valid": valid, "invalid_because": reasons, "target_s": target_s, "target_met": met}


# --- CPU accounting: what the server side used, apart from the load client -------------------

TICK = os.sysconf("SC_CLK_TCK")


def _procs() -> list[tuple[int, int, float, str]]:
    """(pid, ppid, CPU seconds, command line) of every process."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out.append((int(entry), int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK, cmd))
    return out


def cpu_snapshot(roots: dict[str, int], db_name: str) -> dict[str, float]:
    """CPU seconds so far of each named process tree (root pid and descendants) and of the
    PostgreSQL backends serving `db_name` (live ones: the server keeps its connections)."""
    procs = _procs()
    children: dict[int, list[int]] = {}
    cpu = {}
    for pid, ppid, seconds, _cmd in procs:
        children.setdefault(ppid, []).append(pid)
        cpu[pid] = seconds
    totals = {}
    for name, root in roots.items():
        todo, total = [root], 0.0
        while todo:
            pid = todo.pop()
            total += cpu.get(pid, 0.0)
            todo.extend(children.get(pid, []))
        totals[name] = total
    totals["postgres"] = sum(s for _, _, s, cmd in procs if f" {db_name} " in f" {cmd} ")
    return totals


def machine_busy_s() -> float:
    """CPU seconds all cores spent busy (not idle or waiting on I/O) since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICK


def cpu_delta(before: dict, after: dict) -> dict[str, float]:
    return {k: round(after[k] - before.get(k, 0.0), 2) for k in after}
