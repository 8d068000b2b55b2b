"""What one fake API call answers, independent of Flask so the platform can be driven directly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any


@dataclass
class ApiResponse:
    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    content_type: str = "application/json"

    @property
    def body(self) -> bytes:
        if self.content is not None:
            return self.content
        return json.dumps({} if self.payload is None else self.payload, ensure_ascii=False).encode(
            "utf-8"
        )


def ok(payload: Any = None, status: int = 200) -> ApiResponse:
    return ApiResponse(status, {} if payload is None else payload)


def error(status: int, message: str | None = None, **extra: Any) -> ApiResponse:
    """LINE's `ErrorResponse`: {"message": ..., optional "details" / "sentMessages"}."""
    return ApiResponse(status, {"message": message or HTTPStatus(status).phrase, **extra})


NOT_FOUND = "Not found"
