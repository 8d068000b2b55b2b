"""WSGI entry point for gunicorn (see Procfile): the app plus its inbox worker."""

from linebot_app import create_app, start_worker

app = create_app()
start_worker(app)
