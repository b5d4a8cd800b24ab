"""Gunicorn settings for one service's web process (production profile).

Start: gunicorn -c deploy/gunicorn.conf.py "services.intake.app:create_app()"
Each worker builds its own app after the fork and then starts its outbox relay, so events that a
request commits are published at once rather than at the worker process's next poll.
"""

import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", "1"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# With more than one worker, each listens on a socket of its own (SO_REUSEPORT) and the kernel
# spreads new connections evenly between them. On one shared socket the worker that woke first
# took 74-92 % of 50 kept-alive clients, and the other's threads stood idle while requests
# queued on the first (docs/architecture.md, Benchmarks). `GUNICORN_REUSE_PORT=0` goes back to
# the shared socket (deploy/README.md says what each costs).
reuse_port = workers > 1 and os.environ.get("GUNICORN_REUSE_PORT", "1").strip() != "0"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Heartbeat files on tmpfs: a container's overlay disk can stall workers under load.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def on_starting(server):
    # A wrong or missing setting: one line naming it and exit code 2, before any worker starts.
    from services.cli import refuse_misconfigured_start

    refuse_misconfigured_start(
        getattr(server.app, "app_uri", None) or server.app.cfg.wsgi_app or ""
    )


def post_worker_init(worker):
    from shared.logs import configure_logging

    configure_logging()
    platform = worker.wsgi.extensions.get("nhiemvu")
    if platform is not None:
        platform.start()
    _load_public_holidays()
    # The app is built: freeze it out of the collector's passes (shared/heap.py).
    from shared.heap import settle

    settle()


def _load_public_holidays():
    """This year's public holidays, which deadlines read, before the first request: their first
    read imports the `holidays` package's country modules (~70 ms of CPU in each process), and
    what it builds is then settled with the app (docs/architecture.md, Benchmarks)."""
    from datetime import UTC, datetime

    from shared.calendar import WorkingCalendar, local_date

    # Without swaps the law's table is read whatever the date (shared/calendar.py).
    WorkingCalendar().holiday_name(local_date(datetime.now(UTC)))


def worker_exit(_server, worker):
    platform = getattr(worker, "wsgi", None) and worker.wsgi.extensions.get("nhiemvu")
    if platform is not None:
        platform.stop()
