"""The console's views, one module per part of the page (importing them registers them)."""

from linebot_app.console.pages import (  # noqa: F401
    admin,
    auth,
    feed,
    insights,
    people,
    quota,
    review,
    unanswered,
    work,
)
