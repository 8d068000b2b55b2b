"""LINE users as the clinic knows them: follow state and (personal data) display name."""

from __future__ import annotations

import logging

from linebot_app.dispatch import EventContext
from linebot_app.models import LineUser

log = logging.getLogger(__name__)


def prefetch_display_name(line, event: dict) -> tuple[bool, str | None]:
    """For a follow in a 1:1 chat, the new friend's LINE name, asked before the handler's
    transaction opens (a LINE call inside it would hold SQLite's write lock for its latency).
    Returns (asked, name)."""
    source = event.get("source") or {}
    if event.get("type") != "follow" or source.get("type") != "user" or not source.get("userId"):
        return False, None
    try:
        profile = line.get_profile(source["userId"])
    except Exception:
        log.warning("profile lookup failed; greeting without the LINE name", exc_info=True)
        return True, None
    return True, getattr(profile, "display_name", None) if profile is not None else None


def line_display_name(ctx: EventContext) -> str | None:
    """The patient's LINE name (personal data, never logged), or None when LINE will not say.

    Uses the name fetched before the transaction when there is one; otherwise asks LINE.
    """
    if ctx.display_name_prefetched or not ctx.user_id:
        return ctx.prefetched_display_name
    try:
        profile = ctx.services["line"].get_profile(ctx.user_id)
    except Exception:
        log.warning("profile lookup failed; going on without the LINE name", exc_info=True)
        return None
    return getattr(profile, "display_name", None) if profile is not None else None


def get_or_create_user(ctx: EventContext) -> LineUser | None:
    if not ctx.user_id:
        return None
    now = ctx.clock.now()
    user = ctx.session.get(LineUser, ctx.user_id)
    if user is None:
        user = LineUser(user_id=ctx.user_id, is_following=True, first_seen_at=now, last_seen_at=now)
        ctx.session.add(user)
    user.last_seen_at = now
    return user


def mark_followed(ctx: EventContext) -> LineUser | None:
    user = get_or_create_user(ctx)
    if user is not None:
        user.is_following = True
        user.followed_at = ctx.clock.now()
        user.unfollowed_at = None
    return user


def mark_unfollowed(ctx: EventContext) -> LineUser | None:
    user = get_or_create_user(ctx)
    if user is not None:
        user.is_following = False
        user.unfollowed_at = ctx.clock.now()
    return user
