"""Database engine and sessions (SQLAlchemy 2): SQLite (WAL) locally, PostgreSQL in production."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


class _SQLiteWriteGate:
    """One write transaction at a time per process, queued on a lock that wakes the next thread
    the moment COMMIT/ROLLBACK returns. SQLite itself allows one writer per file, and its busy
    handler waits in sleeps that grow to 100 ms, so many threads queueing there wait far longer
    than the lock is held. Between processes, BEGIN IMMEDIATE is retried every few milliseconds.
    """

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._lock = threading.Lock()

    def begin(self, dbapi_connection: _GatedConnection, execute) -> None:
        deadline = time.monotonic() + self.timeout
        if not self._lock.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked (write queue timeout)")
        try:
            execute("PRAGMA busy_timeout=0")
            delay = 0.0005
            while True:
                try:
                    execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as error:
                    if "locked" not in str(error) or time.monotonic() > deadline:
                        raise
                    time.sleep(delay)
                    delay = min(delay * 2, 0.004)
            execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
        except BaseException:
            self._lock.release()
            raise
        dbapi_connection.gate = self

    def release(self, dbapi_connection: _GatedConnection) -> None:
        if dbapi_connection.gate is not None:
            dbapi_connection.gate = None
            self._lock.release()


class _GatedConnection(sqlite3.Connection):
    """pysqlite connection that leaves the write gate once its transaction has ended."""

    gate: _SQLiteWriteGate | None = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if self.gate is not None:
                self.gate.release(self)

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if self.gate is not None:
                self.gate.release(self)

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.gate is not None:
                self.gate.release(self)


def _prepare_sqlite(engine: Engine, busy_timeout: float) -> None:
    """WAL, a busy timeout, and BEGIN IMMEDIATE so concurrent writers queue instead of failing.

    pysqlite's own transaction handling starts transactions lazily and as DEFERRED, which lets
    two processes read-then-write and deadlock; SQLAlchemy's documented recipe takes over BEGIN.
    """
    gate = _SQLiteWriteGate(busy_timeout)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        dbapi_connection = connection.connection.dbapi_connection
        gate.begin(dbapi_connection, dbapi_connection.execute)


def create_db_engine(database_url: str, pool_size: int = 10, lock_timeout: float = 10.0) -> Engine:
    """`lock_timeout`: how long SQLite waits for the write lock (PostgreSQL: to connect)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "timeout": lock_timeout,
                "check_same_thread": False,
                "factory": _GatedConnection,
            },
            pool_size=pool_size,
        )
        _prepare_sqlite(engine, busy_timeout=lock_timeout)
        return engine
    # pool_pre_ping: a connection the server dropped (restart, failover) is replaced before use,
    # so the first request after an outage works; connect_timeout bounds a server that hangs.
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=max(lock_timeout, 1.0),
        connect_args={"connect_timeout": max(int(lock_timeout), 1)},
    )


_open_sessions = threading.local()


def in_transaction() -> bool:
    """True while this thread is inside `Database.session()`: the LINE client refuses to call
    out then, so a slow LINE never holds a transaction (and SQLite's write lock) open."""
    return getattr(_open_sessions, "depth", 0) > 0


class Database:
    """The engine plus a session factory; `with db.session() as s:` commits or rolls back."""

    def __init__(self, database_url: str, pool_size: int = 10, lock_timeout: float = 10.0):
        self.url = database_url
        self.engine = create_db_engine(database_url, pool_size=pool_size, lock_timeout=lock_timeout)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._sessions()
        _open_sessions.depth = getattr(_open_sessions, "depth", 0) + 1
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            _open_sessions.depth -= 1

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
