"""`make run`: embedded services (when needed), migrations, demo data, then web + worker + beat.

Everything runs in the foreground; Ctrl-C (or SIGTERM) stops every child process and the
embedded PostgreSQL/Redis this script started. A second run reuses the data under var/.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import services

ROOT = services.ROOT
BIN = Path(sys.executable).parent
STOP_GRACE_S = 10


def log(message: str) -> None:
    print(f"[waybill] {message}", flush=True)


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> int:
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        log("DATABASE_URL/REDIS_URL unset: starting embedded PostgreSQL and Redis under var/")
    try:
        env, started_services = services.environment()
    except services.ServiceError as exc:
        print(f"services: {exc}", file=sys.stderr)
        return 1
    log(f"database {env['DATABASE_URL']}  redis {env['REDIS_URL']}")

    children: list[subprocess.Popen] = []

    def shutdown(code: int) -> int:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if started_services:
            log("stopping embedded services: " + ", ".join(services.stop(services.DEFAULT_VAR)))
        return code

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also when started with SIGINT ignored (nohup, &)
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        host = env.get("HOST", "127.0.0.1")
        wanted = int(env.get("PORT", "8000"))
        port = services.free_port(wanted)
        if port != wanted:
            log(f"port {wanted} is taken; using {port} instead")
        # Links in customer emails point at this server unless configured otherwise.
        env.setdefault("TRACKING_PUBLIC_BASE_URL", f"http://{host}:{port}")
        commands = {
            "web": [
                str(BIN / "gunicorn"), "config.wsgi", "--bind", f"{host}:{port}",
                "--workers", env.get("WEB_WORKERS", "2"), "--threads", "4",
                "--access-logfile", "-", "--graceful-timeout", "5",
            ],
            "worker": [
                str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO",
                "--concurrency", env.get("WORKER_CONCURRENCY", "2"), "--hostname", "worker@%h",
            ],
            "beat": [
                str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO",
                "--schedule", str(services.DEFAULT_VAR / "celerybeat-schedule"),
            ],
        }  # fmt: skip
        for extra in filter(None, env.get("WAYBILL_EXTRA_PROCESSES", "").split(";")):
            commands[extra.split()[0]] = extra.split()
        # Drivers that move (issue 11): today's demo day at x60, then a new day, looping.
        # It starts once the demo data is loaded.
        simulator = None
        if env.get("SIMULATOR", "1") != "0":
            simulator = [
                sys.executable, "manage.py", "simulate_day", "--loop",
                "--url", f"http://{host}:{port}", "--speed", env.get("SIMULATOR_SPEED", "60"),
            ]  # fmt: skip
        running: dict[str, subprocess.Popen] = {}

        def spawn(name: str, cmd: list[str]) -> subprocess.Popen:
            # Own session: Ctrl-C reaches only this supervisor, which stops children in order.
            child = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
            children.append(child)
            log(f"started {name} (pid {child.pid})")
            return child

        for name, cmd in commands.items():
            running[name] = spawn(name, cmd)
        # The site answers while the demo data loads (the first load takes a minute or two).
        seed = spawn("demo data loader", [sys.executable, "manage.py", "seed_demo"])
        log("")
        log(f"Waybill is running at http://{host}:{port}/   (Ctrl-C to stop)")
        log("Demo logins (password 'waybill-demo'): " + ", ".join(_demo_users()))
        log(f"API docs at http://{host}:{port}/api/docs/")
        while True:
            for name, child in running.items():
                if child.poll() is not None:
                    log(f"{name} exited with code {child.returncode}; stopping everything")
                    return shutdown(1)
            if seed is not None and seed.poll() is not None:
                if seed.returncode == 0:
                    log("demo data ready")
                    if simulator:
                        running["simulator"] = spawn("simulator", simulator)
                else:
                    log(f"loading demo data failed (exit {seed.returncode}); see the output above")
                seed = None
            time.sleep(0.5)
    except KeyboardInterrupt:
        log("stopping…")
        return shutdown(0)
    except subprocess.CalledProcessError as exc:
        log(f"setup step failed: {' '.join(exc.cmd[1:])}")
        return shutdown(1)


def _demo_users() -> list[str]:
    return ["dispatcher", "warehouse", "purchasing", "approver", "driver", "admin"]


if __name__ == "__main__":
    sys.exit(main())
