"""預約諮詢: the booking conversation, one question per message, buttons wherever possible.

States, in order: service → time (datetimepicker) → name → phone → consent → review, plus
edit (which answer to change). The next state is always the first answer still missing, so
修改 drops one answer and the flow asks it again, then comes back to the review. Each state
lists the steps it accepts; when none does, the fallbacks run: 取消 at any step, then anything
else (a topic question gets its card and a reminder of the pending step; asking for a person
hands over to staff; otherwise the step is asked again). Patients finish in six taps/entries:
service, time, name, phone, 同意, 確認送出 (name and phone typed together count as one).
"""

from __future__ import annotations

import datetime as dt

from linebot_app.console.stats import count_event
from linebot_app.dispatch import EventContext, Message, postback_action
from linebot_app.features.consultation.booking_prefill import Prefill, prefill
from linebot_app.features.consultation.booking_questions import (
    CONSENT,
    EDIT,
    EDITABLE,
    NAME,
    PHONE,
    REVIEW,
    SERVICE,
    TIME,
    TIME_HINT,
    next_state,
    prompt,
)
from linebot_app.features.consultation.config import normalise_command
from linebot_app.features.consultation.conversation import (
    Conversation,
    EntryPoint,
    Flow,
    Step,
    always,
)
from linebot_app.features.consultation.desk import Desk
from linebot_app.features.consultation.handoff import start_handoff
from linebot_app.features.consultation.patient_input import normalise_phone, read_name
from linebot_app.features.consultation.requests import NewRequest, create_request, find_by_token
from linebot_app.features.consultation.slots import check_preferred_time
from linebot_app.features.consultation.staff import request_card
from linebot_app.line import render
from linebot_app.line.limits import MAX_MESSAGES

NAME_LENGTH_OF_A_QUESTION = 6
# What the patient is told when a state's steps did not accept their answer.
HINTS = {
    TIME: "time_use_picker",
    PHONE: "phone_invalid",
    CONSENT: "consent_unclear",
    REVIEW: "review_unclear",
}


class Booking:
    """The booking conversation: entry points, states with their steps, fallbacks, timeout."""

    def __init__(self, desk: Desk):
        self.desk = desk
        buttons = desk.config.buttons
        fields = desk.config.fields
        self.conversation = Conversation(
            name="booking",
            entry_points=[EntryPoint("booking.start", self.start, (postback_action("book"),))],
            states={
                SERVICE: [Step(self._names_a_service, self._service)],
                TIME: [Step(self._is_picker_answer, self._time)],
                NAME: [Step(self._reads_as_name, self._name)],
                PHONE: [Step(self._has_text, self._phone)],
                CONSENT: [
                    Step(self._chooses(yes=buttons.agree, no=buttons.disagree), self._consent)
                ],
                REVIEW: [
                    Step(self._chooses(submit=buttons.submit, edit=buttons.edit), self._review)
                ],
                EDIT: [
                    Step(self._chooses(**{f: getattr(fields, f) for f in EDITABLE}), self._edit)
                ],
            },
            fallbacks=[Step(self._wants_to_cancel, self._cancel), Step(always, self._unclear)],
            timeout=desk.config.conversation_expiry,
            button_action="booking",
            on_button=self.on_button,
            on_text=self.on_text,
        )

    def register(self, dispatcher) -> None:
        self.conversation.register(dispatcher)

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
        filled = self._prefill(ctx, flow)
        flow.goto(next_state(flow.data))
        self.conversation.save(ctx, flow)
        return [*self._refusal(filled), *self._prompt(ctx, flow, flow.state, first=True)]

    def on_text(self, ctx: EventContext) -> list[Message]:
        flow = self.conversation.find(ctx)
        if flow is None:
            return [render.text(self.desk.say("flow_expired"), [self.desk.book_button()])]
        if ctx.interpretation.command is None and flow.state in (SERVICE, TIME, NAME, PHONE):
            state = flow.state
            filled = self._prefill(ctx, flow)
            if state in filled.filled or (
                state == TIME and (filled.problem or TIME_HINT in flow.data)
            ):
                flow.goto(next_state(flow.data))
                self.conversation.save(ctx, flow)
                return [*self._refusal(filled), *self._prompt(ctx, flow, flow.state)]
        return self.conversation.handle(ctx, flow)

    # --- slot filling ---------------------------------------------------------------------
    def _prefill(self, ctx: EventContext, flow: Flow) -> Prefill:
        """Name, phone, service and time the patient already gave (consent is always asked)."""
        if not ctx.text:
            return Prefill()
        return prefill(flow.data, ctx.interpretation.entities, self.desk, ctx.clock.now())

    def _refusal(self, filled: Prefill) -> list[Message]:
        """Why a time said in words cannot be booked, as the picker would say it."""
        if filled.problem is None:
            return []
        return [render.text(self.desk.say(filled.problem, **filled.values))]

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
        return ctx.interpretation.command == "cancel"

    def _cancel(self, ctx: EventContext, flow: Flow) -> list[Message]:
        flow.end()
        return [render.text(self.desk.say("flow_cancelled"), [self.desk.book_button()])]

    # --- what each state accepts --------------------------------------------------------
    def _names_a_service(self, ctx: EventContext, flow: Flow) -> bool:
        return self._service_key(ctx) is not None

    def _service_key(self, ctx: EventContext) -> str | None:
        labels = {s.key: s.label for s in self.desk.config.services}
        return ctx.postback_data.get("v") or self._choice(ctx.text, labels)

    @staticmethod
    def _is_picker_answer(ctx: EventContext, flow: Flow) -> bool:
        return ctx.event_type == "postback" and ctx.postback_data.get("op") != "cancel"

    def _reads_as_name(self, ctx: EventContext, flow: Flow) -> bool:
        return bool(ctx.text) and ctx.interpretation.command is None and not self._is_question(ctx)

    @staticmethod
    def _has_text(ctx: EventContext, flow: Flow) -> bool:
        return bool(ctx.text) and ctx.interpretation.command is None

    def _chooses(self, **options: str):
        """Accepts a button's value or the typed label of one of `options` (key → label)."""

        def accepts(ctx: EventContext, flow: Flow) -> bool:
            value = ctx.postback_data.get("v") or self._choice(ctx.text, options)
            return value in options

        return accepts

    def _choice_of(self, ctx: EventContext, **options: str) -> str | None:
        return ctx.postback_data.get("v") or self._choice(ctx.text, options)

    # --- states ---------------------------------------------------------------------------
    def _service(self, ctx: EventContext, flow: Flow) -> list[Message]:
        key = self._service_key(ctx)
        if key and self.desk.config.service(key):
            flow.data[SERVICE] = key
            return self._advance(ctx, flow)
        return self._not_understood(ctx, flow, SERVICE)

    def _time(self, ctx: EventContext, flow: Flow) -> list[Message]:
        value = ctx.postback_params.get("datetime", "")
        check = check_preferred_time(value, ctx.clock.now(), self.desk.clinic, self.desk.config)
        if check.moment is None:
            reason = render.text(self.desk.say(check.problem, **check.values))
            return [reason, *self._prompt(ctx, flow, TIME)]
        flow.data[TIME] = check.moment.isoformat()
        return self._advance(ctx, flow)

    def _name(self, ctx: EventContext, flow: Flow) -> list[Message]:
        reading = read_name(ctx.text, self.desk.config.name_max_length)
        if reading.name is None:
            problem = "name_too_long" if reading.problem == "too_long" else "name_not_a_name"
            if reading.phone is None and ctx.interpretation.topic_names:
                return self._not_understood(ctx, flow, NAME)
            reason = self.desk.say(problem, max=self.desk.config.name_max_length)
            return [render.text(reason), *self._prompt(ctx, flow, NAME)]
        flow.data[NAME] = reading.name
        if reading.phone and not flow.data.get(PHONE):
            flow.data[PHONE] = reading.phone
        return self._advance(ctx, flow)

    def _phone(self, ctx: EventContext, flow: Flow) -> list[Message]:
        phone = normalise_phone(ctx.text)
        if phone is None:
            return self._not_understood(ctx, flow, PHONE, HINTS[PHONE])
        flow.data[PHONE] = phone
        return self._advance(ctx, flow)

    def _consent(self, ctx: EventContext, flow: Flow) -> list[Message]:
        buttons = self.desk.config.buttons
        if self._choice_of(ctx, yes=buttons.agree, no=buttons.disagree) == "yes":
            flow.data[CONSENT] = ctx.clock.now().isoformat()
            return self._advance(ctx, flow)
        flow.end()  # the state row goes, and the name and phone typed into it with it
        return [render.text(self.desk.say("consent_declined"), [self.desk.book_button()])]

    def _review(self, ctx: EventContext, flow: Flow) -> list[Message]:
        buttons = self.desk.config.buttons
        if self._choice_of(ctx, submit=buttons.submit, edit=buttons.edit) == "submit":
            return self._submit(ctx, flow)
        flow.goto(EDIT)
        return self._prompt(ctx, flow, EDIT)

    def _edit(self, ctx: EventContext, flow: Flow) -> list[Message]:
        fields = self.desk.config.fields
        choice = self._choice_of(ctx, **{f: getattr(fields, f) for f in EDITABLE})
        flow.data.pop(choice, None)
        flow.goto(choice)
        return self._prompt(ctx, flow, choice)

    def _unclear(self, ctx: EventContext, flow: Flow) -> list[Message]:
        """No step of the state accepted the event (the last fallback)."""
        state = ctx.postback_data.get("step")
        state = state if state in self.conversation.states else flow.state
        return self._not_understood(ctx, flow, state, HINTS.get(state))

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
        display_name = self.desk.display_name(ctx)  # before any insert: it may need a rerun
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
        ctx.notify_staff([request_card(self.desk, request, display_name, now)])
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
        topics = set(ctx.interpretation.topic_names)
        if "human" in topics:
            flow.end()
            return start_handoff(self.desk, ctx, "words")
        if topics - {"booking"}:
            reminder = self._reminder(ctx, flow)
            answer = ctx.services.topics.answer(
                ctx.interpretation.topic_names, ctx, with_actions=False
            )
            return [*answer[: MAX_MESSAGES - len(reminder)], *reminder]
        if topics:
            return self._reminder(ctx, flow)
        reason = [render.text(self.desk.say(hint))] if hint else []
        return [*reason, *self._prompt(ctx, flow, state)]

    def _is_question(self, ctx: EventContext) -> bool:
        """At the name step: a topic question, not a name (names rarely name a topic)."""
        topics = set(ctx.interpretation.topic_names) - {"greeting"}
        if not topics:
            return False
        return (
            "human" in topics
            or self.desk.config.looks_like_question(ctx.text)
            or len(ctx.text.strip()) > NAME_LENGTH_OF_A_QUESTION
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
