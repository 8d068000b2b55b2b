"""gunicorn settings (read automatically from the working directory; Procfile passes it too).

gthread workers: the request threads only verify, store and acknowledge webhooks, while each
worker process runs its own inbox pool (started by linebot_app.wsgi after the fork).
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
preload_app = False  # each worker builds its own app, database pool and inbox worker
# gunicorn 23+ opens a control socket at one fixed path per user; several instances on one
# machine (tests, benchmarks, make run) would fight over it, and the app does not need it.
control_socket_disable = True
