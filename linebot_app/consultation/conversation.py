"""A conversation as an explicit state machine, in the spirit of python-telegram-bot's
ConversationHandler: named states, one handler per state, fallbacks tried first, and a timeout.

The state lives in `conversation_states` (one row per chat), so any worker, or the app after a
restart, continues where the patient left off. A row past its `expires_at` counts as gone.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from linebot_app.dispatch import EventContext, Message
from linebot_app.models import ConversationState


def new_flow_token() -> str:
    """Names one run of a conversation; buttons carry it, so a button from an old run is known."""
    return secrets.token_hex(6)


@dataclass
class Flow:
    """One chat's place in a conversation; handlers move it with `goto()` or `end()`."""

    chat_key: str
    state: str
    token: str
    data: dict[str, Any] = field(default_factory=dict)
    ended: bool = False

    def goto(self, state: str) -> None:
        self.state = state

    def end(self) -> None:
        self.ended = True


StateHandler = Callable[[EventContext, Flow], list[Message]]
FlowPredicate = Callable[[EventContext, Flow], bool]


@dataclass
class Conversation:
    """`handle()` runs the first matching fallback, else the handler of the flow's state.

    A postback whose `step` names a state goes to that state's handler even when the flow has
    moved on, so pressing an earlier step's button answers that step again.
    """

    name: str
    states: dict[str, StateHandler]
    fallbacks: list[tuple[FlowPredicate, StateHandler]]
    timeout: dt.timedelta

    def peek(self, ctx: EventContext) -> tuple[Flow | None, bool]:
        """The chat's flow in this conversation and whether it has expired; changes nothing."""
        row = ctx.session.get(ConversationState, ctx.chat_id) if ctx.chat_id else None
        if row is None or row.conversation != self.name:
            return None, False
        expired = row.expires_at is not None and row.expires_at <= ctx.clock.now()
        data = dict(row.data or {})
        token = data.pop("_token", "")
        return Flow(chat_key=row.chat_key, state=row.state, token=token, data=data), expired

    def find(self, ctx: EventContext) -> Flow | None:
        """The chat's live flow, or None (an expired one is deleted, with what was typed)."""
        flow, expired = self.peek(ctx)
        if flow is not None and expired:
            self.forget(ctx, flow.chat_key)
            return None
        return flow

    def begin(self, ctx: EventContext, state: str, data: dict[str, Any] | None = None) -> Flow:
        return Flow(
            chat_key=ctx.chat_id or "", state=state, token=new_flow_token(), data=dict(data or {})
        )

    def handle(self, ctx: EventContext, flow: Flow) -> list[Message]:
        for matches, handler in self.fallbacks:
            if matches(ctx, flow):
                messages = handler(ctx, flow)
                break
        else:
            step = ctx.postback_data.get("step")
            handler = self.states[step if step in self.states else flow.state]
            messages = handler(ctx, flow)
        self.save(ctx, flow)
        return messages

    def save(self, ctx: EventContext, flow: Flow) -> None:
        if flow.ended:
            self.forget(ctx, flow.chat_key)
            return
        now = ctx.clock.now()
        row = ctx.session.get(ConversationState, flow.chat_key)
        if row is None:
            row = ConversationState(chat_key=flow.chat_key)
            ctx.session.add(row)
        row.conversation = self.name
        row.state = flow.state
        row.data = {**flow.data, "_token": flow.token}  # a new dict, so the JSON change is seen
        row.updated_at = now
        row.expires_at = now + self.timeout

    def forget(self, ctx: EventContext, chat_key: str | None) -> bool:
        """Drop the chat's flow in this conversation (and what was typed into it)."""
        row = ctx.session.get(ConversationState, chat_key) if chat_key else None
        if row is None or row.conversation != self.name:
            return False
        ctx.session.delete(row)
        ctx.session.flush()
        return True
