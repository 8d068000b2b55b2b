"""Every identifier the fake platform hands out, shaped like LINE's, from one random source."""

from __future__ import annotations

import random
import threading
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class IdSource:
    """Pass a seeded `random.Random` for reproducible IDs (benchmarks, snapshots)."""

    def __init__(self, rng: random.Random | None = None):
        self._rng = rng or random.SystemRandom()
        self._lock = threading.Lock()

    def _bits(self, n: int) -> int:
        with self._lock:
            return self._rng.getrandbits(n)

    def hex32(self) -> str:
        return f"{self._bits(128):032x}"

    def user_id(self) -> str:
        return "U" + self.hex32()

    def group_id(self) -> str:
        return "C" + self.hex32()

    def ulid(self, now_ms: int) -> str:
        """26 Crockford base-32 characters: 48 bits of time, 80 random (webhookEventId)."""
        value = (now_ms & (2**48 - 1)) << 80 | self._bits(80)
        return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))

    def message_id(self) -> str:
        return str(10**17 + self._bits(56))

    def reply_token(self) -> str:
        return self.hex32()

    def quote_token(self) -> str:
        return f"q{self._bits(256):064x}"

    def request_id(self) -> str:
        return str(uuid.UUID(int=self._bits(128), version=4))

    def rich_menu_id(self) -> str:
        return "richmenu-" + self.hex32()
