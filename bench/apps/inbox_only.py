"""Our app with the inbox worker not started: the webhook verifies, writes the durable inbox and
acknowledges, and nothing drains it. Measures the durable write without the handler work
competing for the same CPU (bench only; production starts the worker in linebot_app.wsgi)."""

from linebot_app import create_app

app = create_app()
