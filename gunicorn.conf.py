"""gunicorn settings (read automatically from the working directory; Procfile passes it too).

gthread workers: the request threads only verify, store and acknowledge webhooks, while each
worker process runs its own inbox pool (started by linebot_app.wsgi after the fork).
"""

import os
import shutil
import sys
import tempfile

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
# SIGTERM: open requests, then in-flight events (SHUTDOWN_GRACE_SECONDS, 10 s) must end within
# this; Heroku sends SIGKILL 30 s after SIGTERM.
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
preload_app = False  # each worker builds its own app, database pool and inbox worker
# gunicorn 23+ opens a control socket at one fixed path per user; several instances on one
# machine (tests, benchmarks, make run) would fight over it, and the app does not need it.
control_socket_disable = True

# Prometheus multiprocess mode (/metrics adds up every worker's counters): the directory must
# be known before a worker imports prometheus_client, so it is set here, in the master.
_metrics_dir_made_here = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _metrics_dir_made_here:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="linebot-metrics-")


def on_starting(server):
    """A fresh start: counters of a previous run's processes must not be added to ours."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def _serves_the_bot() -> bool:
    """Only the bot's workers have an inbox to drain (the benchmarks' bare apps use this file
    too, and must not import the bot)."""
    return "linebot_app.wsgi" in sys.modules


def post_worker_init(worker):
    if not _serves_the_bot():
        return
    from linebot_app.delivery.shutdown import install_sigterm_handler

    install_sigterm_handler(worker)


def worker_exit(server, worker):
    if not _serves_the_bot():
        return
    from linebot_app.delivery.shutdown import drain

    drain(worker)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def worker_int(worker):
    """SIGINT/SIGQUIT (Ctrl-C under `make run`): stop claiming; worker_exit then drains."""
    if not _serves_the_bot():
        return
    from linebot_app.delivery.shutdown import inbox_worker_of

    inbox = inbox_worker_of(worker)
    if inbox is not None:
        inbox.begin_shutdown()


def on_exit(server):
    if _metrics_dir_made_here:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
