"""LINE users as the clinic knows them: follow state and (personal data) display name."""

from __future__ import annotations

from linebot_app.dispatch import EventContext
from linebot_app.models import LineUser


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
