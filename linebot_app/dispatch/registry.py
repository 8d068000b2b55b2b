"""The dispatcher: global middleware, then the first listener whose matchers all pass.

In the spirit of Bolt: rules for every event (the staff group is silent, urgent words are always
answered, a hand-over keeps the bot quiet) are middleware in one visible chain, each deciding
whether the event goes on (`next_()`) or is answered here. Listeners are plain functions with
one or more matchers. `check()` refuses, at start-up, a listener that can never fire because an
earlier one matches everything it matches; `describe()` prints the final order
(`flask --app linebot_app listeners`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from linebot_app.dispatch.context import EventContext, Message
from linebot_app.dispatch.matchers import Matcher

log = logging.getLogger(__name__)

Handler = Callable[[EventContext], "list[Message] | None"]
Result = tuple[str, list[Message]]
Next = Callable[[], Result]
Middleware = Callable[[EventContext, Next], Result]


@dataclass(frozen=True)
class Listener:
    name: str
    matchers: tuple[Matcher, ...]
    handler: Handler

    def matches(self, ctx: EventContext) -> bool:
        return all(matcher(ctx) for matcher in self.matchers)

    def shadows(self, later: Listener) -> bool:
        """True when every event `later` accepts is taken by this listener first."""
        return set(self.matchers) <= set(later.matchers)


@dataclass(frozen=True)
class NamedMiddleware:
    name: str
    run: Middleware


class UnreachableListeners(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class Dispatcher:
    def __init__(self) -> None:
        self.middleware: list[NamedMiddleware] = []
        self.listeners: list[Listener] = []

    # --- registration ---------------------------------------------------------------------
    def use(self, middleware: Middleware, name: str | None = None) -> None:
        self.middleware.append(NamedMiddleware(name or middleware.__name__, middleware))

    def add(self, name: str, handler: Handler, *matchers: Matcher) -> None:
        if not matchers:
            raise ValueError(f"listener {name} needs at least one matcher")
        if any(listener.name == name for listener in self.listeners):
            raise ValueError(f"listener {name} is registered twice")
        self.listeners.append(Listener(name, tuple(matchers), handler))

    def check(self) -> None:
        """Refuse listeners that can never fire (raises UnreachableListeners listing them)."""
        problems = []
        for index, later in enumerate(self.listeners):
            for earlier in self.listeners[:index]:
                if earlier.shadows(later):
                    problems.append(
                        f"listener {later.name} can never fire: {earlier.name} is registered "
                        f"before it and matches everything it matches"
                    )
                    break
        if problems:
            raise UnreachableListeners(problems)

    def describe(self) -> list[str]:
        lines = [f"middleware {i}. {m.name}" for i, m in enumerate(self.middleware, 1)]
        for i, listener in enumerate(self.listeners, 1):
            lines.append(
                f"listener {i}. {listener.name}: " + " & ".join(m.name for m in listener.matchers)
            )
        return lines

    # --- dispatching ----------------------------------------------------------------------
    def find(self, ctx: EventContext) -> Listener | None:
        return next((lst for lst in self.listeners if lst.matches(ctx)), None)

    def dispatch(self, ctx: EventContext) -> Result:
        """Run the middleware chain, then the matching listener; returns (who answered, reply)."""

        def step(index: int) -> Result:
            if index < len(self.middleware):
                return self.middleware[index].run(ctx, lambda: step(index + 1))
            return self._run_listener(ctx)

        return step(0)

    def _run_listener(self, ctx: EventContext) -> Result:
        listener = self.find(ctx)
        if listener is None:
            log.info("no handler for event type=%s; acknowledged", ctx.event_type)
            return "unhandled", []
        return listener.name, list(listener.handler(ctx) or [])
