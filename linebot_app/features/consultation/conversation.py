"""A conversation as an explicit state machine, in the spirit of python-telegram-bot's
ConversationHandler: entry points, named states each with the steps it accepts, fallbacks tried
when no step of the current state accepts the event, and a timeout. `register()` adds the whole
conversation to the dispatcher at once.

The state lives in `conversation_states` (one row per chat), so any worker, or the app after a
restart, continues where the patient left off. A row past its `expires_at` counts as gone.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from linebot_app.dispatch import (
    Dispatcher,
    EventContext,
    Matcher,
    Message,
    one_to_one,
    postback_action,
    text_message,
)
from linebot_app.storage.models import ConversationState


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


def always(ctx: EventContext, flow: Flow) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    """A handler and the events it accepts in its state (or as a fallback)."""

    accepts: FlowPredicate
    handler: StateHandler


@dataclass(frozen=True)
class EntryPoint:
    name: str
    handler: Callable[[EventContext], list[Message]]
    matchers: tuple[Matcher, ...]


@dataclass
class Conversation:
    """`handle()` runs the first step of the flow's state that accepts the event, else the
    first fallback that does (the last fallback should accept everything).

    A postback whose `step` names a state goes to that state's steps even when the flow has
    moved on, so pressing an earlier step's button answers that step again. Buttons of the
    conversation carry `action=<button_action>` and the flow's token.
    """

    name: str
    entry_points: list[EntryPoint]
    states: dict[str, list[Step]]
    fallbacks: list[Step]
    timeout: dt.timedelta
    button_action: str
    on_button: Callable[[EventContext], list[Message]]
    on_text: Callable[[EventContext], list[Message]]

    def register(self, dispatcher: Dispatcher) -> None:
        """Entry points, the conversation's buttons, and text while a flow is under way."""
        for entry in self.entry_points:
            dispatcher.add(entry.name, entry.handler, *entry.matchers)
        dispatcher.add(f"{self.name}.step", self.on_button, postback_action(self.button_action))
        dispatcher.add(
            f"{self.name}.conversation", self.on_text, one_to_one, text_message, self.in_progress
        )

    @property
    def in_progress(self) -> Matcher:
        """Text whose chat has a flow in this conversation: under way, or just run out (then
        it is ours to say so, unless the text asks a topic the cards can answer)."""

        def test(ctx: EventContext) -> bool:
            row = ctx.conversation_state
            if row is None or row.conversation != self.name:
                return False
            expired = row.expires_at is not None and row.expires_at <= ctx.clock.now()
            return not expired or not ctx.interpretation.topic_names

        return Matcher(f"in_conversation={self.name}", test)

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
        pressed = ctx.postback_data.get("step")
        state = pressed if pressed in self.states else flow.state
        for step in [*self.states[state], *self.fallbacks]:
            if step.accepts(ctx, flow):
                messages = step.handler(ctx, flow)
                break
        else:
            raise LookupError(f"no step of {self.name} accepts the event in state {state}")
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
