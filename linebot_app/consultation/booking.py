"""預約諮詢: the booking conversation, one question per message, buttons wherever possible.

States, in order: service → time (datetimepicker) → name → phone → consent → review, plus
edit (which answer to change). The next state is always the first answer still missing, so
修改 drops one answer and the flow asks it again, then comes back to the review. Fallback:
取消 at any step. A topic question mid-flow gets its card and a reminder of the pending step;
asking for a person hands over to staff. Patients finish in six taps/entries: service, time,
name, phone, 同意, 確認送出 (name and phone typed together count as one).
"""

from __future__ import annotations

import datetime as dt

from linebot_app.console.stats import count_event
from linebot_app.consultation import render
from linebot_app.consultation.booking_questions import (
    CONSENT,
    EDIT,
    EDITABLE,
    NAME,
    PHONE,
    REVIEW,
    SERVICE,
    TIME,
    next_state,
    prompt,
)
from linebot_app.consultation.config import normalise_command
from linebot_app.consultation.conversation import Conversation, Flow
from linebot_app.consultation.desk import Desk
from linebot_app.consultation.handoff import start_handoff
from linebot_app.consultation.patient_input import normalise_phone, read_name
from linebot_app.consultation.requests import NewRequest, create_request, find_by_token
from linebot_app.consultation.slots import check_preferred_time
from linebot_app.consultation.staff import request_card
from linebot_app.dispatch import EventContext, Message

MAX_REPLY = 5
NAME_LENGTH_OF_A_QUESTION = 6


class Booking:
    def __init__(self, desk: Desk):
        self.desk = desk
        self.conversation = Conversation(
            name="booking",
            states={
                SERVICE: self._service,
                TIME: self._time,
                NAME: self._name,
                PHONE: self._phone,
                CONSENT: self._consent,
                REVIEW: self._review,
                EDIT: self._edit,
            },
            fallbacks=[(self._wants_to_cancel, self._cancel)],
            timeout=desk.config.conversation_expiry,
        )

    # --- listeners ------------------------------------------------------------------------
    def start(self, ctx: EventContext) -> list[Message]:
        """預約諮詢 (button, rich menu, or the words): begin, or pick up where the patient was."""
        if not ctx.is_one_to_one:
            return [render.text(self.desk.say("one_to_one_only"))]
        flow = self.conversation.find(ctx)
        if flow is not None:
            self.conversation.save(ctx, flow)
            return self._reminder(ctx, flow)
        flow = self.conversation.begin(ctx, SERVICE)
        count_event(ctx, "booking_started")
        if len(self.desk.config.services) == 1:
            flow.data[SERVICE] = self.desk.config.services[0].key
        flow.goto(next_state(flow.data))
        self.conversation.save(ctx, flow)
        return self._prompt(ctx, flow, flow.state, first=True)

    def in_progress(self, ctx: EventContext) -> bool:
        """Matcher: text in a 1:1 chat whose booking is under way, or has just run out (then
        we say so, unless the text is a topic question the cards can answer)."""
        if not (ctx.is_one_to_one and ctx.event_type == "message" and ctx.message_type == "text"):
            return False
        flow, expired = self.conversation.peek(ctx)
        if flow is None:
            return False
        return not expired or not self.desk.topic_answers.topics(ctx.text)

    def on_text(self, ctx: EventContext) -> list[Message]:
        flow = self.conversation.find(ctx)
        if flow is None:
            return [render.text(self.desk.say("flow_expired"), [self.desk.book_button()])]
        return self.conversation.handle(ctx, flow)

    def on_button(self, ctx: EventContext) -> list[Message]:
        """`action=booking`: a step's button, accepted only from the flow it was sent in."""
        if not ctx.is_one_to_one:
            return [render.text(self.desk.say("one_to_one_only"))]
        token = ctx.postback_data.get("f", "")
        flow = self.conversation.find(ctx)
        if flow is None or flow.token != token:
            done = find_by_token(ctx.session, token) if token else None
            if done is not None:
                return [render.text(self.desk.say("already_submitted", id=done.id))]
            if flow is not None:
                self.conversation.save(ctx, flow)
                return self._reminder(ctx, flow)
            return [render.text(self.desk.say("flow_expired"), [self.desk.book_button()])]
        return self.conversation.handle(ctx, flow)

    def forget(self, ctx: EventContext) -> bool:
        return self.conversation.forget(ctx, ctx.chat_id)

    # --- fallbacks ------------------------------------------------------------------------
    def _wants_to_cancel(self, ctx: EventContext, flow: Flow) -> bool:
        if ctx.postback_data.get("op") == "cancel":
            return True
        return bool(ctx.text) and self.desk.config.commands.matches("cancel", ctx.text)

    def _cancel(self, ctx: EventContext, flow: Flow) -> list[Message]:
        flow.end()
        return [render.text(self.desk.say("flow_cancelled"), [self.desk.book_button()])]

    # --- states ---------------------------------------------------------------------------
    def _service(self, ctx: EventContext, flow: Flow) -> list[Message]:
        key = ctx.postback_data.get("v") or self._choice(
            ctx.text, {s.key: s.label for s in self.desk.config.services}
        )
        if key and self.desk.config.service(key):
            flow.data[SERVICE] = key
            return self._advance(ctx, flow)
        return self._not_understood(ctx, flow, SERVICE)

    def _time(self, ctx: EventContext, flow: Flow) -> list[Message]:
        if ctx.event_type != "postback":
            return self._not_understood(ctx, flow, TIME, "time_use_picker")
        value = ctx.postback_params.get("datetime", "")
        check = check_preferred_time(value, ctx.clock.now(), self.desk.clinic, self.desk.config)
        if check.moment is None:
            reason = render.text(self.desk.say(check.problem, **check.values))
            return [reason, *self._prompt(ctx, flow, TIME)]
        flow.data[TIME] = check.moment.isoformat()
        return self._advance(ctx, flow)

    def _name(self, ctx: EventContext, flow: Flow) -> list[Message]:
        if self._is_question(ctx.text):
            return self._not_understood(ctx, flow, NAME)
        reading = read_name(ctx.text, self.desk.config.name_max_length)
        if reading.name is None:
            problem = "name_too_long" if reading.problem == "too_long" else "name_not_a_name"
            if reading.phone is None and self.desk.topic_answers.topics(ctx.text):
                return self._not_understood(ctx, flow, NAME)
            reason = self.desk.say(problem, max=self.desk.config.name_max_length)
            return [render.text(reason), *self._prompt(ctx, flow, NAME)]
        flow.data[NAME] = reading.name
        if reading.phone and not flow.data.get(PHONE):
            flow.data[PHONE] = reading.phone
        return self._advance(ctx, flow)

    def _phone(self, ctx: EventContext, flow: Flow) -> list[Message]:
        phone = normalise_phone(ctx.text) if ctx.text else None
        if phone is None:
            return self._not_understood(ctx, flow, PHONE, "phone_invalid")
        flow.data[PHONE] = phone
        return self._advance(ctx, flow)

    def _consent(self, ctx: EventContext, flow: Flow) -> list[Message]:
        buttons = self.desk.config.buttons
        choice = ctx.postback_data.get("v") or self._choice(
            ctx.text, {"yes": buttons.agree, "no": buttons.disagree}
        )
        if choice == "yes":
            flow.data[CONSENT] = ctx.clock.now().isoformat()
            return self._advance(ctx, flow)
        if choice == "no":
            flow.end()  # the state row goes, and the name and phone typed into it with it
            return [render.text(self.desk.say("consent_declined"), [self.desk.book_button()])]
        return self._not_understood(ctx, flow, CONSENT, "consent_unclear")

    def _review(self, ctx: EventContext, flow: Flow) -> list[Message]:
        buttons = self.desk.config.buttons
        choice = ctx.postback_data.get("v") or self._choice(
            ctx.text, {"submit": buttons.submit, "edit": buttons.edit}
        )
        if choice == "submit":
            return self._submit(ctx, flow)
        if choice == "edit":
            flow.goto(EDIT)
            return self._prompt(ctx, flow, EDIT)
        return self._not_understood(ctx, flow, REVIEW, "review_unclear")

    def _edit(self, ctx: EventContext, flow: Flow) -> list[Message]:
        fields = self.desk.config.fields
        choice = ctx.postback_data.get("v") or self._choice(
            ctx.text, {f: getattr(fields, f) for f in EDITABLE}
        )
        if choice in EDITABLE:
            flow.data.pop(choice, None)
            flow.goto(choice)
            return self._prompt(ctx, flow, choice)
        return self._not_understood(ctx, flow, EDIT)

    # --- submitting -----------------------------------------------------------------------
    def _submit(self, ctx: EventContext, flow: Flow) -> list[Message]:
        missing = next_state(flow.data)
        if missing != REVIEW:
            flow.goto(missing)
            return self._prompt(ctx, flow, missing)
        flow.end()
        done = find_by_token(ctx.session, flow.token)
        if done is not None:
            return [render.text(self.desk.say("already_submitted", id=done.id))]
        now, data = ctx.clock.now(), flow.data
        service = self.desk.config.service(data[SERVICE])
        request = create_request(
            ctx.session,
            NewRequest(
                flow_token=flow.token,
                user_id=ctx.user_id,
                service_key=data[SERVICE],
                service_label=service.label if service else data[SERVICE],
                preferred_at=dt.datetime.fromisoformat(data[TIME]),
                patient_name=data[NAME],
                phone=data[PHONE],
                consent_at=dt.datetime.fromisoformat(data[CONSENT]),
            ),
            now,
        )
        count_event(ctx, "booking_submitted")
        ctx.notify_staff([request_card(self.desk, request, self.desk.display_name(ctx), now)])
        lines = [self.desk.say("submitted", id=request.id)]
        closed = self.desk.closed_note(now, "closed_now")
        if closed:
            lines.append(closed)
        return [render.text("\n".join(lines), [self.desk.my_requests_button()])]

    # --- asking ---------------------------------------------------------------------------
    def _advance(self, ctx: EventContext, flow: Flow) -> list[Message]:
        flow.goto(next_state(flow.data))
        return self._prompt(ctx, flow, flow.state)

    def _prompt(
        self, ctx: EventContext, flow: Flow, state: str, first: bool = False
    ) -> list[Message]:
        return prompt(self.desk, ctx, flow, state, first)

    def _reminder(self, ctx: EventContext, flow: Flow) -> list[Message]:
        return [render.text(self.desk.say("resume_prefix")), *self._prompt(ctx, flow, flow.state)]

    def _not_understood(
        self, ctx: EventContext, flow: Flow, state: str, hint: str | None = None
    ) -> list[Message]:
        """A topic question gets its card and a reminder; 真人 hands over; else ask again."""
        topics = set(self.desk.topic_answers.topics(ctx.text)) if ctx.text else set()
        if "human" in topics:
            flow.end()
            return start_handoff(self.desk, ctx, "words")
        if topics - {"booking"}:
            reminder = self._reminder(ctx, flow)
            answer = self.desk.topic_answers.answer(ctx.text) or []
            return [*answer[: MAX_REPLY - len(reminder)], *reminder]
        if topics:
            return self._reminder(ctx, flow)
        reason = [render.text(self.desk.say(hint))] if hint else []
        return [*reason, *self._prompt(ctx, flow, state)]

    def _is_question(self, text: str) -> bool:
        """At the name step: a topic question, not a name (names rarely name a topic)."""
        topics = set(self.desk.topic_answers.topics(text)) - {"greeting"}
        if not topics:
            return False
        return (
            "human" in topics
            or self.desk.config.looks_like_question(text)
            or len(text.strip()) > NAME_LENGTH_OF_A_QUESTION
        )

    @staticmethod
    def _choice(text: str, options: dict[str, str]) -> str | None:
        if not text:
            return None
        wanted = normalise_command(text)
        return next(
            (
                key
                for key, label in options.items()
                if normalise_command(label) == wanted or key == wanted
            ),
            None,
        )
