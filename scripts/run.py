"""`make run`: embedded services (when needed), migrations, demo data, then web + worker + beat.

Everything runs in the foreground; Ctrl-C (or SIGTERM) stops every child process and the
embedded PostgreSQL/Redis this script started. A second run reuses the data under var/.

The console stays readable: warnings and errors only (gunicorn's access log is off unless
ACCESS_LOG=1, Celery at WARNING unless CELERY_LOG_LEVEL says otherwise), the demo loader's
output goes to var/log/seed_demo.log, e-mails are kept under var/mail/ (read them at /mail/),
and the short banner is printed again once the demo data is ready.
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


DEMO_USERS = ["dispatcher", "warehouse", "purchasing", "approver", "driver", "admin"]
# The demo partner's login to the partner portal (/portal/), same password.
PORTAL_USER = "partner"
# The simulator drives every demo route but these drivers' (a person drives them by hand in
# the driver app at /driver/); SIMULATOR_HAND_DRIVEN="" lets it drive them all.
HAND_DRIVEN = "driver"


def quiet_env(env: dict) -> dict:
    """Log levels for a console people read (each can be raised from the environment), and the
    defaults of the processes `make run` starts."""
    env.setdefault("LOG_LEVEL", "WARNING")
    env.setdefault("CELERY_LOG_LEVEL", "WARNING")
    env.setdefault("SIMULATOR_HAND_DRIVEN", HAND_DRIVEN)
    # ETA ticks on a queue and worker of their own, as in docker-compose.yml: e-mails, webhooks
    # and solver jobs on the main worker never hold up a van's next ETA (TRACKING_ETA_QUEUE=""
    # puts them back on the main worker).
    env.setdefault("TRACKING_ETA_QUEUE", "eta")
    return env


def process_commands(env: dict, host: str, port: int) -> dict[str, list[str]]:
    """The long-running processes `make run` starts: web, worker, the ETA worker, beat (Celery
    without its start-up banners, which pushed the URL off the screen)."""
    web = [
        str(BIN / "gunicorn"), "config.wsgi", "--bind", f"{host}:{port}",
        "--workers", env.get("WEB_WORKERS", "2"), "--threads", "4",
        "--graceful-timeout", "5", "--log-level", "warning",
    ]  # fmt: skip
    if env.get("ACCESS_LOG", "0") == "1":
        web += ["--access-logfile", "-", "--access-logformat", "%(m)s %(U)s%(q)s %(s)s %(M)sms"]
    level = env.get("CELERY_LOG_LEVEL", "WARNING")
    return {
        "web": web,
        "worker": [
            str(BIN / "celery"), "--quiet", "-A", "config", "worker", "--loglevel", level,
            "--concurrency", env.get("WORKER_CONCURRENCY", "2"), "--hostname", "worker@%h",
        ],
        **eta_worker(env, level),
        "beat": [
            str(BIN / "celery"), "--quiet", "-A", "config", "beat", "--loglevel", level,
            "--schedule", str(services.DEFAULT_VAR / "celerybeat-schedule"),
        ],
    }  # fmt: skip


def eta_worker(env: dict, level: str) -> dict[str, list[str]]:
    """The one-process worker for the ETA ticks' queue, when the ticks have one."""
    queue = env.get("TRACKING_ETA_QUEUE", "")
    if not queue:
        return {}
    return {
        "eta-worker": [
            str(BIN / "celery"), "--quiet", "-A", "config", "worker", "--loglevel", level,
            "--concurrency", "1", "--queues", queue, "--hostname", "eta@%h",
        ]
    }  # fmt: skip


def simulator_command(env: dict, host: str, port: int) -> list[str] | None:
    """Drivers that move: today's demo day at x60, then a new day, looping (SIMULATOR=0: off)."""
    if env.get("SIMULATOR", "1") == "0":
        return None
    cmd = [
        sys.executable, "manage.py", "simulate_day", "--loop",
        "--url", f"http://{host}:{port}", "--speed", env.get("SIMULATOR_SPEED", "60"),
    ]  # fmt: skip
    for driver in filter(None, env.get("SIMULATOR_HAND_DRIVEN", "").split(",")):
        cmd += ["--hand-driven", driver.strip()]
    return cmd


def banner(env: dict, host: str, port: int, *, ready: bool) -> list[str]:
    url = f"http://{host}:{port}"
    hand = [d for d in env.get("SIMULATOR_HAND_DRIVEN", "").split(",") if d]
    lines = [
        "",
        f"Waybill is running at {url}/   (Ctrl-C to stop)",
        f"  logins    {', '.join(DEMO_USERS)}   (password 'waybill-demo')",
        f"  partners  {url}/portal/ as {PORTAL_USER}   (same password)",
        f"  API docs  {url}/api/docs/",
        f"  e-mail    {url}/mail/   (sent mail is kept there, not sent)",
    ]
    if ready and env.get("SIMULATOR", "1") != "0" and hand:
        lines.append(f"  drive     log in as {' or '.join(hand)}: that route waits for you")
    lines.append("  demo data ready" if ready else "  demo data loading in the background…")
    return lines + [""]


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
        quiet_env(env)
        commands = process_commands(env, host, port)
        for extra in filter(None, env.get("WAYBILL_EXTRA_PROCESSES", "").split(";")):
            commands[extra.split()[0]] = extra.split()
        # It starts once the demo data is loaded.
        simulator = simulator_command(env, host, port)
        running: dict[str, subprocess.Popen] = {}

        def spawn(name: str, cmd: list[str], **streams) -> subprocess.Popen:
            # Own session: Ctrl-C reaches only this supervisor, which stops children in order.
            child = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, **streams)
            children.append(child)
            return child

        for name, cmd in commands.items():
            running[name] = spawn(name, cmd)
        # The site answers while the demo data loads (the first load takes a minute or two).
        seed_log = services.DEFAULT_VAR / "log" / "seed_demo.log"
        seed_log.parent.mkdir(parents=True, exist_ok=True)
        with open(seed_log, "w") as out:
            seed = spawn(
                "demo data loader",
                [sys.executable, "manage.py", "seed_demo"],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        for line in banner(env, host, port, ready=False):
            log(line)
        while True:
            for name, child in running.items():
                if child.poll() is not None:
                    log(f"{name} exited with code {child.returncode}; stopping everything")
                    return shutdown(1)
            if seed is not None and seed.poll() is not None:
                if seed.returncode == 0:
                    if simulator:
                        running["simulator"] = spawn("simulator", simulator)
                    for line in banner(env, host, port, ready=True):
                        log(line)
                else:
                    tail = seed_log.read_text().strip().splitlines()[-15:]
                    log(f"loading demo data failed (exit {seed.returncode}); from {seed_log}:")
                    for line in tail:
                        log("  " + line)
                seed = None
            time.sleep(0.5)
    except KeyboardInterrupt:
        log("stopping…")
        return shutdown(0)
    except subprocess.CalledProcessError as exc:
        log(f"setup step failed: {' '.join(exc.cmd[1:])}")
        return shutdown(1)


if __name__ == "__main__":
    sys.exit(main())
