"""`python -m routing.solver solve` as a user runs it: a subprocess, files in and out, exit
status 0 on success and 2 with the JSON path on stderr for bad input (never a traceback)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROBLEM = {
    "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [4]}],
    "jobs": [
        {"id": 1, "location_index": 1, "delivery": [1], "service": 30},
        {"id": 2, "location_index": 2, "delivery": [2], "time_windows": [[0, 500]]},
    ],
    "matrices": {"car": {"durations": [[0, 100, 200], [100, 0, 150], [200, 150, 0]]}},
}


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "routing.solver", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_solve_writes_vroom_output(tmp_path):
    problem, solution = tmp_path / "problem.json", tmp_path / "solution.json"
    problem.write_text(json.dumps(PROBLEM))
    done = run("solve", str(problem), "--time-limit", "0.3", "--output", str(solution))
    assert done.returncode == 0, done.stderr
    output = json.loads(solution.read_text())
    assert output["code"] == 0 and output["summary"]["unassigned"] == 0
    (route,) = output["routes"]
    assert [s["type"] for s in route["steps"]] == ["start", "job", "job", "end"]
    assert route["cost"] == route["duration"] == 450


def test_solve_reads_stdin_and_writes_stdout():
    done = run("solve", "-", "--time-limit", "0.3", stdin=json.dumps(PROBLEM))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["routes"] == 1


def test_malformed_json_exits_2_without_traceback(tmp_path):
    problem = tmp_path / "problem.json"
    problem.write_text('{"vehicles": [{"id": 1,}]}')
    done = run("solve", str(problem), "--time-limit", "0.3")
    assert done.returncode == 2
    assert "malformed JSON" in done.stderr and "line 1" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_wrong_types_exit_2_naming_each_path(tmp_path):
    bad = json.loads(json.dumps(PROBLEM))
    bad["jobs"][1]["time_windows"] = [[500, 0]]
    bad["jobs"][0]["service"] = "thirty"
    problem = tmp_path / "problem.json"
    problem.write_text(json.dumps(bad))
    done = run("solve", str(problem), "--time-limit", "0.3", "--output", str(tmp_path / "o"))
    assert done.returncode == 2
    assert "error: jobs[0].service: must be a non-negative integer" in done.stderr
    assert "error: jobs[1].time_windows[0]: ends (0) before it starts (500)" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "o").exists()


def test_missing_file_exits_2(tmp_path):
    done = run("solve", str(tmp_path / "nowhere.json"))
    assert done.returncode == 2 and "cannot read" in done.stderr
    assert "Traceback" not in done.stderr
