"""Injected failures: answer the next calls under a path with an error, or lose the answer."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from linebot_app.fakeline.responses import ApiResponse, error


@dataclass
class _Fault:
    prefix: str
    remaining: int
    response: ApiResponse | None  # None: process the call, then lose the response (500)


class FaultPlan:
    """Faults are used first-in first-out; each matches paths starting with its prefix."""

    def __init__(self) -> None:
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()

    def fail(
        self,
        prefix: str,
        status: int,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        if isinstance(body, bytes):
            response = ApiResponse(status, content=body)
        else:
            response = error(status) if body is None else ApiResponse(status, body)
        response.headers.update({k.lower(): v for k, v in (headers or {}).items()})
        with self._lock:
            self._faults.append(_Fault(prefix, times, response))

    def drop(self, prefix: str, times: int = 1) -> None:
        with self._lock:
            self._faults.append(_Fault(prefix, times, None))

    def take_failure(self, path: str) -> ApiResponse | None:
        """The injected answer for this call (a fresh copy), if a failure is due."""
        fault = self._take(path, dropping=False)
        if fault is None or fault.response is None:
            return None
        r = fault.response
        return ApiResponse(r.status, r.payload, dict(r.headers), r.content, r.content_type)

    def take_drop(self, path: str) -> bool:
        """True when this call's (already processed) response must be lost."""
        return self._take(path, dropping=True) is not None

    def _take(self, path: str, *, dropping: bool) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.prefix) and (fault.response is None) == dropping:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None
