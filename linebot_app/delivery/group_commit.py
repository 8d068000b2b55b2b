"""Group commit: what concurrent request threads want written goes to the database together.

The first caller that finds no write in progress writes everything queued so far in one call
(one transaction); callers that arrive meanwhile wait and are written by the next one. Nobody
returns before their own items are committed, so durability is unchanged; the database sees one
transaction per batch instead of one per request (SQLite: one write-lock wait; PostgreSQL: one
commit). No background thread: a request thread does the writing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Pending(Generic[Item, Result]):
    __slots__ = ("item", "result", "error", "done")

    def __init__(self, item: Item):
        self.item = item
        self.result: Result | None = None
        self.error: BaseException | None = None
        self.done = False


class GroupCommit(Generic[Item, Result]):
    """`submit(item)` → `write_batch([items])[i]`, with concurrent submits sharing one call.

    When a batch of several fails, each of its items is written on its own, so one bad item
    only fails its own caller.
    """

    def __init__(self, write_batch: Callable[[list[Item]], list[Result]], max_batch: int = 64):
        self._write_batch = write_batch
        self._max_batch = max_batch
        self._cond = threading.Condition()
        self._queue: list[_Pending[Item, Result]] = []
        self._writing = False

    def submit(self, item: Item) -> Result:
        pending: _Pending[Item, Result] = _Pending(item)
        with self._cond:
            self._queue.append(pending)
            while not pending.done:
                if self._writing:
                    self._cond.wait()
                    continue
                self._writing = True
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                self._cond.release()
                try:
                    self._write(batch)
                finally:
                    self._cond.acquire()
                    self._writing = False
                    self._cond.notify_all()
        if pending.error is not None:
            raise pending.error
        return pending.result  # type: ignore[return-value]

    def _write(self, batch: list[_Pending[Item, Result]]) -> None:
        try:
            results = self._write_batch([p.item for p in batch])
        except Exception as error:
            if len(batch) == 1:
                batch[0].error = error
            else:
                for pending in batch:
                    self._write([pending])
            results = None
        if results is not None:
            for pending, result in zip(batch, results, strict=True):
                pending.result = result
        with self._cond:
            for pending in batch:
                pending.done = True
