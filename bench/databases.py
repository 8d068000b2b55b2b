"""Throwaway databases for one run: a SQLite file in a temporary directory, or a PostgreSQL
database created on the local server and dropped (WITH FORCE) afterwards."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from linebot_app.settings import normalise_database_url

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _admin():
    return create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")


def postgres_unavailable() -> str | None:
    try:
        engine = _admin()
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any reason it cannot be reached
        return f"PostgreSQL not reachable at {POSTGRES_URL} ({exc.__class__.__name__})"
    return None


@contextmanager
def throwaway_database(kind: str) -> Iterator[str]:
    """Yields a DATABASE_URL (not yet migrated) that is gone after the block."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="linebot-bench-") as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    name = "linebot_bench_" + uuid.uuid4().hex[:12]
    engine = _admin()
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(normalise_database_url(POSTGRES_URL))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
