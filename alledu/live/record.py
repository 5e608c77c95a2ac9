"""One learner's side of a live class: join with a code, send each answer in the background.

Why: a lesson must keep working when the class store is slow or gone. Every store call runs
on one worker thread per kernel, so a click never waits on a database; the caller gets a
future and shows "sent" or "not sent" when it resolves. The learner is an anonymous random
id (kept in the browser session by the page) plus an optional nickname: nothing else.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
import uuid
from typing import Any

from alledu.errors import InvalidInput
from alledu.live.codes import learner_signed, new_learner, normalize_code
from alledu.live.store import ClassClosed, ClassInfo, Store, location, open_store

# how fast one learner's page may join and answer: a person is slower; a script guessing codes
# (2,000 in 27.5 s over one socket) or flooding the class is not (issue 24)
RATE_LIMITS: dict[str, float] = {"join_burst": 5, "join_per_s": 0.2, "send_burst": 10, "send_per_s": 1}
JOIN_BURST = int(RATE_LIMITS["join_burst"])  # class codes tried at once, then JOIN_PER_S a second
JOIN_PER_S = RATE_LIMITS["join_per_s"]
SEND_BURST = int(RATE_LIMITS["send_burst"])  # answers sent at once, then SEND_PER_S a second
SEND_PER_S = RATE_LIMITS["send_per_s"]


class Participant:
    """A learner's membership of at most one class, and the answers sent to it."""

    def __init__(self, url: str | None = None, learner: str | None = None) -> None:
        self.url = url
        self.learner = learner or uuid.uuid4().hex
        self.nickname = ""
        self.code: str | None = None  # the class joined (kept while the store is unreachable)
        self.joined: ClassInfo | None = None  # what the store said about it, once it answered
        self._store: Store | None = None
        self._worker = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="alledu-live")
        self._lock = threading.Lock()
        self._tokens, self._filled = float(SEND_BURST), time.monotonic()
        self._join_tokens, self._join_filled = float(JOIN_BURST), time.monotonic()

    @property
    def store(self) -> Store:
        """Opened on first use, so self-study never touches a database."""
        with self._lock:
            if self._store is None:
                self._store = open_store(self.url or location())
            return self._store

    def join(self, code: str, nickname: str = "") -> cf.Future[ClassInfo]:
        """Check the code now (InvalidInput at once), then look the class up in the background.

        An unknown code is forgotten; an unreachable store is not, so answers still go to the
        class (or say "not sent") until it is back.
        """
        code = normalize_code(code)
        now = time.monotonic()
        self._join_tokens = min(float(JOIN_BURST), self._join_tokens + (now - self._join_filled) * JOIN_PER_S)
        self._join_filled = now
        if self._join_tokens < 1:
            raise InvalidInput(
                "class", code, f"up to {JOIN_BURST} codes tried at once, then one every {1 / JOIN_PER_S:g} s"
            )
        self._join_tokens -= 1
        self.code, self.joined = code, None
        self.nickname = " ".join(str(nickname or "").split())

        def work() -> ClassInfo:
            try:
                secret = self.store.learner_secret()
                if not learner_signed(self.learner, secret):  # the browser's id was not issued here
                    self.learner = new_learner(secret)
                info = self.store.class_info(code)
            except InvalidInput:
                if self.code == code:
                    self.code = None
                raise
            self.joined = info
            if not info.is_open:
                raise ClassClosed(f"class {code} is closed and accepts no more answers")
            return info

        return self._worker.submit(work)

    def send(self, lesson: str, question: str, answer: Any, correct: bool) -> cf.Future[None] | None:
        """Record one answer in the class joined (None when the learner has not joined one)."""
        code = self.code
        if code is None:
            return None
        if not self._may_send():
            refused: cf.Future[None] = cf.Future()
            refused.set_exception(
                InvalidInput("answers", "sent too fast", f"up to {SEND_BURST} at once, then {SEND_PER_S:g} a second")
            )
            return refused
        nickname = self.nickname
        return self._worker.submit(
            lambda: self.store.record(
                code,
                learner=self.learner,
                nickname=nickname,
                lesson=lesson,
                question=question,
                answer=answer,
                correct=correct,
            )
        )

    def _may_send(self) -> bool:
        """A token bucket per learner's page (its kernel): answers over the rate are not sent."""
        now = time.monotonic()
        self._tokens = min(float(SEND_BURST), self._tokens + (now - self._filled) * SEND_PER_S)
        self._filled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def flush(self, timeout: float = 10) -> None:
        """Wait until every queued call has finished (tests, and before a kernel stops)."""
        self._worker.submit(lambda: None).result(timeout=timeout)
