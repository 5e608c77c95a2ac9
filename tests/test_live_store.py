"""Live-class store: the same tests against SQLite (a temp file) and a real PostgreSQL.

PostgreSQL is Debian's server started here in a temp dir on a free port (tests/live_support.py);
without a server binary these cases skip locally and fail under CI=true.
"""

from __future__ import annotations

import multiprocessing
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alledu.errors import InvalidInput
from alledu.live import ALPHABET, CODE_LENGTH, ClassClosed, StoreUnavailable, location, normalize_code, open_store
from alledu.live.codes import new_code
from alledu.live.summary import QUIZ_LESSON, summarize
from tests.live_support import Postgres, postgres
from tests.server import free_port

QUESTION = "blin_target"  # single choice: CD19 (right), CD22, CD20


@pytest.fixture(scope="module")
def pg() -> Iterator[Postgres]:
    with postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return location(tmp_path / "data")
    return request.getfixturevalue("pg").new_database()


def test_codes_are_short_and_have_no_look_alikes() -> None:
    for ch in "0O1IL2Z5S8BUVDQG":
        assert ch not in ALPHABET
    codes = {new_code() for _ in range(200)}
    assert len(codes) > 190  # random, not a counter
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    assert normalize_code(" k7mx ") == "K7MX"
    assert normalize_code("k7-mx") == "K7MX"


@pytest.mark.parametrize("bad", ["", "K7M", "K7MXA", "K0MX", "K7M!", None])
def test_bad_codes_name_field_value_and_range(bad: object) -> None:
    with pytest.raises(InvalidInput) as err:
        normalize_code(bad)
    assert err.value.field == "class" and ALPHABET in err.value.accepted


def test_class_lifecycle(store_url: str) -> None:
    store = open_store(store_url)
    info, key = store.create_class("Ward round 3")
    assert re.fullmatch(f"[{ALPHABET}]{{{CODE_LENGTH}}}", info.code) and info.is_open
    assert re.fullmatch(f"([{ALPHABET}]{{4}}-){{2}}[{ALPHABET}]{{4}}", key)
    assert store.check_key(info.code, key) and store.check_key(info.code.lower(), key.lower().replace("-", " "))
    assert not store.check_key(info.code, "AAAA-AAAA-AAAA")
    store.record(info.code, learner="learner-a1", lesson=QUIZ_LESSON, question=QUESTION, answer="cd19", correct=True)
    store.record(
        info.code,
        learner="learner-b2",
        nickname="  Sam   K ",
        lesson=QUIZ_LESSON,
        question="clofarabine_prior",
        answer=["x", "y"],
        correct=False,
    )
    rows = store.answers(info.code)
    assert [(r.learner, r.nickname, r.question, r.value(), r.correct) for r in rows] == [
        ("learner-a1", "", QUESTION, "cd19", True),
        ("learner-b2", "Sam K", "clofarabine_prior", ["x", "y"], False),
    ]
    assert rows[0].answered_at <= rows[1].answered_at and rows[0].id < rows[1].id
    assert store.version(info.code)[:2] == (2, rows[1].id)
    closed = store.close_class(info.code)
    assert not closed.is_open
    with pytest.raises(ClassClosed):
        store.record(
            info.code, learner="learner-c3", lesson=QUIZ_LESSON, question=QUESTION, answer="cd22", correct=False
        )
    assert len(store.answers(info.code)) == 2
    assert store.close_class(info.code).closed_at == closed.closed_at  # closing twice keeps the first time
    other = "".join(reversed(info.code)) if "".join(reversed(info.code)) != info.code else new_code()
    with pytest.raises(InvalidInput, match="class"):
        store.answers(other)
    with pytest.raises(InvalidInput, match="learner"):
        store.record(info.code, learner="x", lesson=QUIZ_LESSON, question=QUESTION, answer="cd19", correct=True)
    store.close()


def test_reopen_reset_and_list(store_url: str) -> None:
    """Issue 21: a class can be reopened and reset (its answers deleted), and every class listed."""
    store = open_store(store_url)
    first, _ = store.create_class("Monday")
    second, _ = store.create_class("Tuesday")
    for learner in ("learner-01", "learner-02"):
        store.record(first.code, learner=learner, lesson=QUIZ_LESSON, question=QUESTION, answer="cd19", correct=True)
    store.close_class(first.code)
    with pytest.raises(ClassClosed):
        store.record(first.code, learner="learner-03", lesson=QUIZ_LESSON, question=QUESTION, answer="x", correct=False)
    assert store.reopen_class(first.code.lower()).is_open
    store.record(first.code, learner="learner-03", lesson=QUIZ_LESSON, question=QUESTION, answer="cd22", correct=False)
    listed = {info.code: (info.title, info.is_open, n, k) for info, n, k in store.list_classes()}
    assert listed == {first.code: ("Monday", True, 3, 3), second.code: ("Tuesday", True, 0, 0)}
    assert store.reset_class(first.code) == 3
    assert store.answers(first.code) == [] and store.class_info(first.code).is_open
    with pytest.raises(InvalidInput, match="existing class"):
        store.reset_class(next(c for c in ("ACEF", "HJKM") if c not in listed))


def test_learner_ids_are_signed_with_the_stores_secret(store_url: str) -> None:
    """One secret per store, made once and kept (every kernel and hub pod signs the same way)."""
    from alledu.live.codes import learner_signed, new_learner

    secret = open_store(store_url).learner_secret()
    assert len(secret) == 64 and open_store(store_url).learner_secret() == secret
    issued = new_learner(secret)
    assert learner_signed(issued, secret) and re.fullmatch(r"[0-9a-f]{32}-[0-9a-f]{24}", issued)
    assert not learner_signed(issued, "another store") and not learner_signed("f00dcafe" * 4, secret)
    assert not learner_signed(issued[:-1] + ("0" if issued[-1] != "0" else "1"), secret)


def test_the_key_is_not_stored(store_url: str) -> None:
    store = open_store(store_url)
    info, key = store.create_class()
    with store._tx() as cur:
        cur.execute("SELECT code, title, key_hash, created_at FROM classes")
        stored = " ".join(str(v) for row in cur.fetchall() for v in row)
    assert info.code in stored and key not in stored and key.replace("-", "") not in stored
    store.close()


def _learner(url: str, code: str, n: int, go: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:
    """One simulated learner: its own process and its own store connection, one answer."""
    store = open_store(url)
    go.wait(60)
    start = time.monotonic()
    try:
        store.record(
            code,
            learner=f"learner-{n:04d}",
            lesson=QUIZ_LESSON,
            question=QUESTION,
            answer=["cd19", "cd22", "cd20"][n % 3],
            correct=n % 3 == 0,
        )
        out.put((n, "ok", time.monotonic() - start))
    except Exception as exc:
        out.put((n, repr(exc), 0.0))


def test_hundred_learners_in_separate_processes_lose_nothing(store_url: str) -> None:
    """100 processes answer the same question at the same moment: exactly 100 rows, dashboard reads 100."""
    from alledu.widgets.live import Dashboard

    store = open_store(store_url)
    info, key = store.create_class("load")
    store.close()  # no open connection is carried across fork; the store reopens on next use
    ctx = multiprocessing.get_context("fork")
    go, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_learner, args=(store_url, info.code, n, go, out)) for n in range(100)]
    for p in procs:
        p.start()
    start = time.monotonic()
    go.set()
    results = [out.get(timeout=120) for _ in procs]
    burst = time.monotonic() - start
    for p in procs:
        p.join(30)
    assert sorted(r[1] for r in results) == ["ok"] * 100, [r for r in results if r[1] != "ok"][:3]
    assert all(p.exitcode == 0 for p in procs)
    rows = store.answers(info.code)
    assert len(rows) == 100 and len({r.learner for r in rows}) == 100
    [stats] = summarize(rows)
    assert (stats.answered, stats.wrong) == (100, 66)
    assert {b.label: b.count for b in stats.bars} == {"CD19": 34, "CD22": 33, "CD20": 33}
    board = Dashboard(url=store_url, poll=False)
    board.code_box.value = info.code
    board.key_box.value = key
    assert board.unlocked
    assert "100 answer(s)" in board.status.value and "100 learner(s)" in board.status.value
    assert "<b>100 answered · 66 wrong</b>" in board.questions.value
    board.stop()
    store.close()
    print(f"\n100 learners, {store_url.split(':')[0]}: all answers stored {burst:.2f} s after the start signal")


def test_restart_mid_class_keeps_answers_and_accepts_new(store_url: str) -> None:
    """A restarted server opens the store afresh: earlier answers are there, new ones go in."""
    first = open_store(store_url)
    info, _ = first.create_class()
    first.record(info.code, learner="before-01", lesson=QUIZ_LESSON, question=QUESTION, answer="cd19", correct=True)
    first.close()
    del first
    again = open_store(store_url)
    again.record(info.code, learner="after-002", lesson=QUIZ_LESSON, question=QUESTION, answer="cd22", correct=False)
    assert [r.learner for r in again.answers(info.code)] == ["before-01", "after-002"]
    again.close()


def test_postgres_server_restart_mid_class(pg: Postgres) -> None:
    """The database server itself restarts: the teacher is told, then dashboard and learners reconnect."""
    from alledu.widgets.live import Dashboard

    url = pg.new_database()
    learner = open_store(url)
    info, key = learner.create_class()
    learner.record(info.code, learner="before-01", lesson=QUIZ_LESSON, question=QUESTION, answer="cd19", correct=True)
    board = Dashboard(url=url, poll=False)
    board.code_box.value, board.key_box.value = info.code, key
    assert "1 answer(s)" in board.status.value and board.message.value == ""  # it now holds a connection
    pg.stop("fast")
    with pytest.raises(StoreUnavailable, match="cannot reach PostgreSQL"):
        learner.record(
            info.code, learner="during-1", lesson=QUIZ_LESSON, question=QUESTION, answer="cd19", correct=True
        )
    board.refresh()
    assert "The class store cannot be used." in board.message.value and "cannot reach PostgreSQL" in board.message.value
    pg.start()
    learner.record(info.code, learner="after-002", lesson=QUIZ_LESSON, question=QUESTION, answer="cd22", correct=False)
    board.refresh()
    assert board.message.value == "" and "2 answer(s)" in board.status.value
    assert [r.learner for r in learner.answers(info.code)] == ["before-01", "after-002"]
    board.stop()


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    store = open_store(location(tmp_path))
    store.create_class()
    conn = sqlite3.connect(tmp_path / "live.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert store._connect().execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    store.close()


def test_broken_sqlite_path_is_a_clear_message(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    store = open_store(location(blocker / "data"))
    with pytest.raises(StoreUnavailable) as err:
        store.create_class()
    message = str(err.value)
    assert str(blocker / "data") in message and "cannot create the folder" in message and "\n" not in message


def test_unreachable_postgres_is_a_clear_message() -> None:
    url = f"postgresql://alledu:secret@127.0.0.1:{free_port()}/alledu"
    store = open_store(url)
    with pytest.raises(StoreUnavailable) as err:
        store.create_class()
    message = str(err.value)
    assert "cannot reach PostgreSQL" in message and "127.0.0.1" in message
    assert "secret" not in message  # the password is never echoed


def test_db_must_be_a_postgresql_url() -> None:
    with pytest.raises(InvalidInput, match="db: 'mysql://x' is not accepted"):
        location(db="mysql://x")


def test_missing_postgres_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.live_support as support

    monkeypatch.setattr(support, "pg_bindir", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no PostgreSQL server binary"):
        support.require_pg_bindir()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        support.require_pg_bindir()
