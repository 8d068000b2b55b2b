"""The console's views, one module per part of the page (importing them registers them)."""

from linebot_app.console.pages import admin, auth, feed, insights, people, work  # noqa: F401
