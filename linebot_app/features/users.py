"""LINE users as the clinic knows them: follow state and (personal data) display name."""

from __future__ import annotations

import logging

from linebot_app.dispatch import EventContext
from linebot_app.storage.models import LineUser

log = logging.getLogger(__name__)


def prefetch_display_name(line, event: dict, always: bool = False) -> tuple[bool, str | None]:
    """The patient's LINE name, asked before the handler's transaction opens (a LINE call
    inside it would hold SQLite's write lock for its latency): for a follow in a 1:1 chat, or
    for any 1:1 event when `always` (a handler said it needs the name). Returns (asked, name)."""
    source = event.get("source") or {}
    if source.get("type") != "user" or not source.get("userId"):
        return False, None
    if event.get("type") != "follow" and not always:
        return False, None
    try:
        profile = line.get_profile(source["userId"])
    except Exception:
        log.warning("profile lookup failed; greeting without the LINE name", exc_info=True)
        return True, None
    return True, getattr(profile, "display_name", None) if profile is not None else None


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
