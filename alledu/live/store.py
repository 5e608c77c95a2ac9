"""Where a live class's answers are kept: one SQLite file by default, or a PostgreSQL server.

Why: each learner's lesson runs in its own kernel process, so many processes write at once.
SQLite copes when every answer is one short write transaction in WAL mode with a busy
timeout (writers queue instead of failing); PostgreSQL copes natively and suits a host that
already runs one. Both speak the same SQL here, so the same tests run against both.

A store that cannot be opened or reached raises `StoreUnavailable` with a sentence a teacher
can act on; the lessons catch it and tell the learner "not sent" instead of failing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from alledu.errors import InvalidInput
from alledu.live.codes import hash_key, key_matches, new_code, new_key, new_secret, normalize_code

ENV = "ALLEDU_LIVE_DB"  # the store's URL, passed by `alledu serve --data/--db` to lesson kernels
FILE_NAME = "live.sqlite3"
SQLITE_PREFIX = "sqlite:///"
PG_PREFIXES = ("postgresql://", "postgres://")
BUSY_TIMEOUT_S = 10  # a writer waits this long for the SQLite write lock before giving up
CONNECT_TIMEOUT_S = 3  # an unreachable PostgreSQL is reported after this, not after minutes
RETRIES = 10  # transient PostgreSQL refusals (too many clients, starting up) are retried
TITLE_MAX = 200
NICKNAME_MAX = 100
ANSWER_MAX = 2000  # characters of an answer as stored (JSON): every option id of a question fits many times
_LEARNER = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_ID = re.compile(r"^[A-Za-z0-9_:./-]{1,200}$")
_TRANSIENT_PG = ("too many clients", "starting up", "shutting down", "in recovery", "deadlock", "could not serialize")

SCHEMA = """
CREATE TABLE IF NOT EXISTS classes (
    code TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE TABLE IF NOT EXISTS answers (
    id {serial} PRIMARY KEY,
    class_code TEXT NOT NULL REFERENCES classes (code),
    learner TEXT NOT NULL,
    nickname TEXT NOT NULL,
    lesson TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    correct INTEGER NOT NULL,
    answered_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_by_class ON answers (class_code, id);
CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class StoreUnavailable(Exception):
    """The class store cannot be opened or reached. The message says where and why."""


class ClassClosed(Exception):
    """The class no longer accepts answers (`alledu class close`)."""


@dataclasses.dataclass(frozen=True)
class ClassInfo:
    code: str
    title: str
    created_at: str
    closed_at: str | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclasses.dataclass(frozen=True)
class AnswerRow:
    """One recorded answer. `answer` is JSON: an option id, a list of option ids, or the typed number."""

    id: int
    class_code: str
    learner: str
    nickname: str
    lesson: str
    question: str
    answer: str
    correct: bool
    answered_at: str

    def value(self) -> Any:
        return json.loads(self.answer)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def default_data_dir() -> Path:
    """The user's data folder for alledu (e.g. ~/.local/share/alledu on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("alledu", appauthor=False))


def location(
    data: str | os.PathLike[str] | None = None, db: str | None = None, environ: Mapping[str, str] = os.environ
) -> str:
    """The store URL: `--db` URL, else a SQLite file in `--data`, else $ALLEDU_LIVE_DB, else the default."""
    if db:
        if not db.startswith(PG_PREFIXES):
            raise InvalidInput(
                "db", db, "a PostgreSQL URL such as postgresql://user@host:5432/alledu (or use --data DIR)"
            )
        return db
    if data is not None:
        text = str(data).strip()
        if not text:
            raise InvalidInput("data", data, "a folder for the class store")
        return SQLITE_PREFIX + str(Path(text).expanduser().absolute() / FILE_NAME)
    if environ.get(ENV):
        return environ[ENV]
    return SQLITE_PREFIX + str(default_data_dir() / FILE_NAME)


def describe(url: str) -> str:
    """The store location for messages, without a password."""
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", url.removeprefix(SQLITE_PREFIX))


def open_store(url: str) -> Store:
    """A store for a URL from `location()`. Opening connects nothing yet."""
    if url.startswith(PG_PREFIXES):
        return PostgresStore(url)
    if url.startswith(SQLITE_PREFIX):
        return SqliteStore(url)
    raise InvalidInput("db", url, "postgresql://... or sqlite:///path/to/file")


class Store:
    """Classes and answers; every public method is one transaction."""

    serial = ""  # the id column's type

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._schema_ready = False

    # ---- subclass hooks -----------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    def _begin(self, conn: Any, write: bool) -> None:
        raise NotImplementedError

    def _sql(self, text: str) -> str:
        return text

    def _error(self, exc: Exception) -> StoreUnavailable | None:
        """Translate a driver error into StoreUnavailable (None: not a store problem)."""
        raise NotImplementedError

    def _transient(self, exc: Exception) -> bool:
        return False

    def close(self) -> None:
        """Release any connection held; the next call opens a new one."""

    # ---- one transaction ----------------------------------------------------------------
    @contextlib.contextmanager
    def _tx(self, write: bool = False) -> Iterator[_Cursor]:
        with self._lock:
            conn = self._open(write)
            try:
                yield _Cursor(conn.cursor(), self._sql)
                conn.commit()
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    conn.rollback()
                mapped = self._error(exc) if isinstance(exc, Exception) else None
                if mapped is not None:
                    self._discard(conn)
                    raise mapped from exc
                raise
            finally:
                self._release(conn)

    def _open(self, write: bool) -> Any:
        """A connection inside a begun transaction; a refused or dropped connection is tried again.

        The first failure is always retried once (a kept connection may have been dropped by a
        server restart); refusals that pass by themselves (too many clients) up to RETRIES times.
        """
        attempt = 0
        while True:
            attempt += 1
            conn = None
            try:
                conn = self._connect()
                if not self._schema_ready:
                    self._create_schema(conn)
                    self._schema_ready = True
                self._begin(conn, write)
                return conn
            except Exception as exc:
                self._discard(conn)
                mapped = self._error(exc)
                if mapped is None:
                    raise
                if attempt == 1 or (attempt < RETRIES and self._transient(exc)):
                    time.sleep(attempt / 10)
                    continue
                raise mapped from exc

    def _discard(self, conn: Any) -> None:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _release(self, conn: Any) -> None:
        """After a transaction: close a per-call connection (kept ones override this)."""
        with contextlib.suppress(Exception):
            conn.close()

    def _create_schema(self, conn: Any) -> None:
        raise NotImplementedError

    def ping(self) -> None:
        """Open the store (creating its tables); StoreUnavailable says why it cannot."""
        with self._tx(write=True) as cur:
            cur.execute("SELECT count(*) FROM classes")

    # ---- classes ------------------------------------------------------------------------
    def create_class(self, title: str = "") -> tuple[ClassInfo, str]:
        """A new open class with a fresh code; returns it and the teacher key (shown once)."""
        title = str(title or "").strip()
        if len(title) > TITLE_MAX:
            raise InvalidInput("title", title, f"at most {TITLE_MAX} characters")
        key = new_key()
        created = now()
        with self._tx(write=True) as cur:
            for _ in range(TITLE_MAX):
                code = new_code()
                cur.execute("SELECT 1 FROM classes WHERE code = %s", (code,))
                if cur.fetchone() is None:
                    break
            else:  # pragma: no cover - only when nearly every code is taken
                raise StoreUnavailable(f"class store {describe(self.url)}: no free class code left")
            cur.execute(
                "INSERT INTO classes (code, title, key_hash, created_at, closed_at) VALUES (%s, %s, %s, %s, NULL)",
                (code, title, hash_key(key), created),
            )
        return ClassInfo(code, title, created, None), key

    def class_info(self, code: str) -> ClassInfo:
        """The class, or InvalidInput naming the code when there is none."""
        code = normalize_code(code)
        with self._tx() as cur:
            row = self._class_row(cur, code)
        return ClassInfo(*row[:3], row[4])

    def _class_row(self, cur: _Cursor, code: str) -> tuple[Any, ...]:
        cur.execute("SELECT code, title, created_at, key_hash, closed_at FROM classes WHERE code = %s", (code,))
        row = cur.fetchone()
        if row is None:
            raise InvalidInput("class", code, "the code of an existing class (see 'alledu class new')")
        return tuple(row)

    def check_key(self, code: str, key: str) -> bool:
        code = normalize_code(code)
        with self._tx() as cur:
            row = self._class_row(cur, code)
        return key_matches(key, row[3])

    def close_class(self, code: str) -> ClassInfo:
        """Stop accepting answers; answers already recorded stay. Closing twice keeps the first time."""
        code = normalize_code(code)
        with self._tx(write=True) as cur:
            self._class_row(cur, code)
            cur.execute("UPDATE classes SET closed_at = %s WHERE code = %s AND closed_at IS NULL", (now(), code))
            row = self._class_row(cur, code)
        return ClassInfo(*row[:3], row[4])

    def reopen_class(self, code: str) -> ClassInfo:
        """Accept answers again (a class closed by mistake, or taught again); recorded answers stay."""
        code = normalize_code(code)
        with self._tx(write=True) as cur:
            self._class_row(cur, code)
            cur.execute("UPDATE classes SET closed_at = NULL WHERE code = %s", (code,))
            row = self._class_row(cur, code)
        return ClassInfo(*row[:3], row[4])

    def reset_class(self, code: str) -> int:
        """Delete every answer of a class (a rehearsal, or the same code for a new group); returns
        how many. The class, its code and its key stay, open or closed as they were."""
        code = normalize_code(code)
        with self._tx(write=True) as cur:
            self._class_row(cur, code)
            cur.execute("DELETE FROM answers WHERE class_code = %s", (code,))
            return cur.rowcount

    def list_classes(self) -> list[tuple[ClassInfo, int, int]]:
        """Every class, newest first, with its answers and learners counted."""
        with self._tx() as cur:
            cur.execute(
                "SELECT c.code, c.title, c.created_at, c.closed_at, count(a.id), count(DISTINCT a.learner) "
                "FROM classes c LEFT JOIN answers a ON a.class_code = c.code "
                "GROUP BY c.code, c.title, c.created_at, c.closed_at ORDER BY c.created_at DESC, c.code"
            )
            rows = cur.fetchall()
        return [(ClassInfo(code, title, made, closed), int(n), int(k)) for code, title, made, closed, n, k in rows]

    def learner_secret(self) -> str:
        """The store's secret for signing learner ids: made once, shared by every kernel (and hub
        pod) using this store, kept across restarts, so an issued id stays valid."""
        with self._tx(write=True) as cur:
            cur.execute(
                "INSERT INTO secrets (name, value) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
                ("learner", new_secret()),
            )
            cur.execute("SELECT value FROM secrets WHERE name = %s", ("learner",))
            return str(cur.fetchone()[0])

    # ---- answers ------------------------------------------------------------------------
    def record(
        self,
        code: str,
        *,
        learner: str,
        lesson: str,
        question: str,
        answer: Any,
        correct: bool,
        nickname: str = "",
    ) -> None:
        """Store one answer in one transaction; the class must exist and be open."""
        code = normalize_code(code)
        if not _LEARNER.match(str(learner)):
            raise InvalidInput("learner", learner, "an anonymous id of 8-64 letters, digits or dashes")
        nickname = " ".join(str(nickname or "").split())
        if len(nickname) > NICKNAME_MAX:
            raise InvalidInput("nickname", nickname, f"at most {NICKNAME_MAX} characters")
        for field, value in (("lesson", lesson), ("question", question)):
            if not _ID.match(str(value)):
                raise InvalidInput(field, value, "an id of letters, digits and _:./-")
        encoded = json.dumps(answer, sort_keys=True)
        if len(encoded) > ANSWER_MAX:  # a 700,000-character "number" once filled a disk (issue 24)
            raise InvalidInput("answer", f"{len(encoded)} characters", f"at most {ANSWER_MAX} characters")
        with self._tx(write=True) as cur:
            cur.execute(
                "INSERT INTO answers (class_code, learner, nickname, lesson, question, answer, correct, answered_at) "
                "SELECT %s, %s, %s, %s, %s, %s, %s, %s "
                "WHERE EXISTS (SELECT 1 FROM classes WHERE code = %s AND closed_at IS NULL)",
                (code, learner, nickname, lesson, question, encoded, int(bool(correct)), now(), code),
            )
            if cur.rowcount != 1:
                self._class_row(cur, code)  # unknown code -> InvalidInput
                raise ClassClosed(f"class {code} is closed and accepts no more answers")

    def answers(self, code: str) -> list[AnswerRow]:
        """Every answer of a class, oldest first."""
        code = normalize_code(code)
        with self._tx() as cur:
            self._class_row(cur, code)
            cur.execute(
                "SELECT id, class_code, learner, nickname, lesson, question, answer, correct, answered_at "
                "FROM answers WHERE class_code = %s ORDER BY id",
                (code,),
            )
            rows = cur.fetchall()
        return [AnswerRow(i, c, le, n, ls, q, a, bool(ok), t) for i, c, le, n, ls, q, a, ok, t in rows]

    def version(self, code: str) -> tuple[int, int, str | None]:
        """(answers, last id, closed_at): a cheap check whether a dashboard must redraw."""
        code = normalize_code(code)
        with self._tx() as cur:
            row = self._class_row(cur, code)
            cur.execute("SELECT count(*), coalesce(max(id), 0) FROM answers WHERE class_code = %s", (code,))
            count, last = cur.fetchone()
        return int(count), int(last), row[4]


class _Cursor:
    """A DB-API cursor that accepts %s placeholders for both drivers."""

    def __init__(self, cur: Any, sql: Any) -> None:
        self._cur, self._sql = cur, sql

    def execute(self, text: str, params: tuple[Any, ...] = ()) -> None:
        self._cur.execute(self._sql(text), params)

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount


class SqliteStore(Store):
    """One file; WAL lets the dashboard read while kernels write; writers wait on a busy timeout."""

    serial = "INTEGER"  # an INTEGER PRIMARY KEY is the rowid: assigned in insertion order

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.path = Path(url.removeprefix(SQLITE_PREFIX))
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(
                f"class store {self.path}: cannot create the folder {folder} ({exc.strerror or exc}); "
                "give `alledu serve --data` a writable folder"
            ) from None
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except Exception:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _begin(self, conn: sqlite3.Connection, write: bool) -> None:
        # a writer takes the write lock at once (no lock-upgrade deadlock later); readers never
        # take it, so the dashboard's polling does not queue behind the class's answers
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    def _sql(self, text: str) -> str:
        return text.replace("%s", "?")

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        conn.executescript(SCHEMA.format(serial=self.serial))

    def _discard(self, conn: Any) -> None:
        super()._discard(conn)
        self._conn = None

    def _release(self, conn: Any) -> None:
        """Keep the connection: SQLite connections are cheap to hold and opening re-reads the schema."""

    def close(self) -> None:
        self._discard(self._conn)

    def _error(self, exc: Exception) -> StoreUnavailable | None:
        if isinstance(exc, StoreUnavailable):
            return exc
        if isinstance(exc, sqlite3.Error):
            reason = str(exc)
            if "unable to open" in reason:
                reason += " (is the path a writable folder?)"
            return StoreUnavailable(f"class store {self.path}: {reason}")
        return None


class PostgresStore(Store):
    """A PostgreSQL database; one short connection per call, so a class of kernels holds none idle.

    `keep=True` (the teacher's dashboard, polling every second) holds one connection and
    reconnects after the server restarts.
    """

    serial = "BIGINT GENERATED ALWAYS AS IDENTITY"

    def __init__(self, url: str, keep: bool = False) -> None:
        super().__init__(url)
        self.keep = keep
        self._conn: Any = None

    def _connect(self) -> Any:
        if self._conn is not None and not self._conn.closed:
            return self._conn
        import psycopg

        conn = psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S, application_name="alledu")
        if self.keep:
            self._conn = conn
        return conn

    def _begin(self, conn: Any, write: bool) -> None:
        """psycopg opens the transaction at the first statement; a kept connection is checked first."""
        if self.keep:
            conn.execute("SELECT 1")

    def _create_schema(self, conn: Any) -> None:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('alledu.live.schema'))")  # kernels race here
            for statement in SCHEMA.format(serial=self.serial).split(";"):
                if statement.strip():
                    cur.execute(statement)
        conn.commit()

    def _discard(self, conn: Any) -> None:
        super()._discard(conn)
        if conn is self._conn:
            self._conn = None

    def _release(self, conn: Any) -> None:
        if not self.keep:
            super()._release(conn)

    def close(self) -> None:
        self._discard(self._conn)

    def _transient(self, exc: Exception) -> bool:
        return any(word in str(exc).lower() for word in _TRANSIENT_PG)

    def _error(self, exc: Exception) -> StoreUnavailable | None:
        import psycopg

        if isinstance(exc, StoreUnavailable):
            return exc
        if isinstance(exc, psycopg.OperationalError):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return StoreUnavailable(f"class store {describe(self.url)}: cannot reach PostgreSQL ({first})")
        if isinstance(exc, psycopg.Error):
            return StoreUnavailable(f"class store {describe(self.url)}: {str(exc).strip().splitlines()[0]}")
        return None
