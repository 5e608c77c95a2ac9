"""Live class widgets: the learner's join box and the teacher's dashboard.

Why: a teacher projecting the quiz wants to see how the room answered, reveal the right
answer and discuss the most common wrong one, inside the lesson itself. Learners join with
a code (from the page address `?class=CODE` or typed) and stay anonymous: a random id kept
in the browser's local storage (one learner per browser), and a nickname only if they type one. Store calls run
off the click (alledu.live.record), so a slow or missing store never stalls a lesson; the
learner reads "sent" or "not sent" under each answer.

The dashboard shows nothing until the teacher key is entered, then polls the store once a
second (a cheap count) and redraws only when something changed.
"""

from __future__ import annotations

import base64
import concurrent.futures as cf
import datetime as dt
import logging
import os
import threading
import time
from typing import Any

import anywidget
import ipywidgets as W
import traitlets as T

from alledu.errors import InvalidInput
from alledu.live.codes import normalize_code
from alledu.live.record import Participant
from alledu.live.store import ClassClosed, ClassInfo, PostgresStore, Store, StoreUnavailable, location, open_store
from alledu.live.summary import QuestionStats, Slide, gradebook_csv, slides, summarize, to_csv
from alledu.serve.links import qr_svg, with_query
from alledu.widgets.common import CSS, LABEL_STYLE, PALETTE, Guarded, error_html, esc

POLL_S = 1  # the dashboard shows a new answer within two polls
KEY_TRIES = 5  # teacher keys one page may try at once...
KEY_EVERY_S = 5  # ...then one every this many seconds (300 wrong keys took 5.6 s before, issue 24)
log = logging.getLogger(__name__)


def _minute() -> str:
    """The wall-clock minute (a seam for tests)."""
    return dt.datetime.now().strftime("%H:%M")


SESSION_JS = """
const KEY = "alledu-live";
function load() { try { return JSON.parse(localStorage.getItem(KEY) || "{}"); } catch (e) { return {}; } }
function save(v) { try { localStorage.setItem(KEY, JSON.stringify(v)); } catch (e) {} }
function randomId() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);  // available on plain http too, unlike crypto.randomUUID
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
export default {
  initialize({ model }) {
    const saved = load();
    if (!saved.learner) saved.learner = randomId();
    const fromUrl = new URLSearchParams(window.location.search).get("class");
    if (fromUrl) saved.code = fromUrl;
    save(saved);
    model.set("learner", saved.learner);
    model.set("nickname", saved.nickname || "");
    model.set("code", saved.code || "");
    model.save_changes();
    const keep = () => {
      const s = load();
      s.code = model.get("code");
      s.nickname = model.get("nickname");
      s.learner = model.get("learner") || s.learner;  // the id the server issued replaces a made-up one
      save(s);
    };
    model.on("change:code", keep);
    model.on("change:nickname", keep);
    model.on("change:learner", keep);
  },
  render() {},
};
"""


KEYS_JS = """
const KEYS = { ArrowRight: "next", PageDown: "next", ArrowLeft: "previous", PageUp: "previous", r: "reveal" };
export default {
  render({ model, el }) {
    const onKey = (event) => {
      const where = event.target;
      if (!model.get("active") || event.altKey || event.ctrlKey || event.metaKey) return;
      if (where && (where.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(where.tagName))) return;
      const action = KEYS[event.key];
      if (!action) return;
      event.preventDefault();
      model.send({ action });
    };
    document.addEventListener("keydown", onKey);
    el.style.display = "none";
    // entering present mode brings the question to the top of the projected screen
    const show = () => model.get("active") && requestAnimationFrame(() => {
      const box = el.closest(".alledu-present");
      if (box) box.scrollIntoView({ block: "start" });
    });
    model.on("change:active", show);
    return () => { document.removeEventListener("keydown", onKey); model.off("change:active", show); };
  },
};
"""


class PresenterKeys(anywidget.AnyWidget):
    """Keyboard for present mode: arrows or Page keys (a presenter's clicker) move, R reveals.

    Listens on the whole page while `active`, never while the teacher types in a box."""

    _esm = KEYS_JS
    active = T.Bool(False).tag(sync=True)


class BrowserSession(anywidget.AnyWidget):
    """What the browser knows: an anonymous learner id, the class code from the address, a nickname.

    Kept in the browser's localStorage (for this server's address), so every lesson in every tab
    of one browser is one learner in one class: three people with four tabs count as three.
    """

    _esm = SESSION_JS
    learner = T.Unicode("").tag(sync=True)
    code = T.Unicode("").tag(sync=True)
    nickname = T.Unicode("").tag(sync=True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, InvalidInput):
        return f"{exc.field} = {exc.value} is not accepted; accepted: {exc.accepted}"
    return str(exc)


class JoinBox(W.VBox):
    """'Join a class' for the quiz and case lessons; `record()` sends an answer and shows the receipt."""

    def __init__(self, url: str | None = None) -> None:
        super().__init__()
        self.participant = Participant(url)
        self.session = BrowserSession()
        self.code_box = W.Text(description="Class code", placeholder="e.g. K7MX", style=LABEL_STYLE)
        self.code_box.layout.width = "14em"
        self.nickname_box = W.Text(description="Nickname (optional)", style=LABEL_STYLE)
        self.join_button = W.Button(description="Join class")
        self.status = W.HTML("<i>Live class (optional): join with the code your teacher gives you.</i>")
        self.receipt = W.HTML()  # placed under the feedback by the lesson
        self.children = [
            W.HBox([self.code_box, self.nickname_box, self.join_button]),
            self.status,
            self.session,
        ]
        self.join_button.on_click(lambda _: self.join())
        self._learner_taken = False
        self.session.observe(self._from_browser, ["learner", "code", "nickname"])

    def _from_browser(self, change: dict[str, Any]) -> None:
        # the page's id is taken once: later ids from the same page (a script answering as many
        # learners) are ignored; joining checks it was issued here and issues one if not
        if self.session.learner and not self._learner_taken:
            self._learner_taken = True
            self.participant.learner = self.session.learner
        if change["name"] == "code" and self.session.code and self.session.code != self.participant.code:
            self.code_box.value = self.session.code
            self.nickname_box.value = self.session.nickname
            self.join()

    @property
    def joined(self) -> bool:
        return self.participant.code is not None

    def join(self) -> cf.Future[ClassInfo] | None:
        """Join the class typed in the box (or left the box empty: self-study, nothing sent)."""
        if not self.code_box.value.strip():
            self.participant.code = None
            self.status.value = "<i>Not in a class: nothing is sent.</i>"
            return None
        try:
            future = self.participant.join(self.code_box.value, self.nickname_box.value)
        except InvalidInput as exc:
            self.status.value = error_html(exc)
            return None
        code = self.participant.code or ""
        self.session.code, self.session.nickname = code, self.participant.nickname
        self.code_box.value = code
        self.status.value = f"<i>Joining class {esc(code)}…</i>"
        future.add_done_callback(lambda f: self._joined(code, f))
        return future

    def _joined(self, code: str, future: cf.Future[ClassInfo]) -> None:
        exc = future.exception()
        if exc is None:
            info = future.result()
            self.session.learner = self.participant.learner  # kept by the browser (may be newly issued)
            title = f" ({esc(info.title)})" if info.title else ""
            name = f" as <b>{esc(self.participant.nickname)}</b>" if self.participant.nickname else " anonymously"
            self.status.value = (
                f'<div class="alledu-ok" role="status">Joined class <b>{esc(code)}</b>{title}{name}. '
                "Your answers go to your teacher; nothing else about you is recorded.</div>"
            )
        elif isinstance(exc, StoreUnavailable):
            self.status.value = (
                f'<div class="alledu-warn" role="status">Class {esc(code)}: the class store cannot be reached, so '
                "your answers are <b>not sent</b> for now. The lesson works as usual; tell your teacher.</div>"
            )
        else:
            self.status.value = (
                f'<div class="alledu-warn" role="status">Not joined: {esc(_reason(exc))}. '
                "The lesson works as usual.</div>"
            )

    def record(self, lesson: str, question: str, answer: Any, correct: bool) -> cf.Future[None] | None:
        """Send one answer if in a class; the receipt says sent or not sent (and why)."""
        future = self.participant.send(lesson, question, answer, correct)
        if future is None:
            self.receipt.value = ""
            return None
        code = self.participant.code
        self.receipt.value = f"<p class='alledu-cite'>Sending your answer to class {esc(code)}…</p>"
        future.add_done_callback(lambda f: self._sent(code or "", f))
        return future

    def _sent(self, code: str, future: cf.Future[None]) -> None:
        exc = future.exception()
        if exc is None:
            self.receipt.value = f"<p class='alledu-cite' role='status'>✓ Answer sent to class {esc(code)}.</p>"
            return
        why = "the class is closed" if isinstance(exc, ClassClosed) else "the class store cannot be reached"
        if not isinstance(exc, (ClassClosed, StoreUnavailable)):
            why = _reason(exc)
        self.receipt.value = (
            f"<div class='alledu-warn' role='status'>✗ Answer <b>not sent</b> to class {esc(code)}: {esc(why)}. "
            "Your lesson goes on; your score here is unaffected.</div>"
        )


def join_html(code: str, base: str | None = None) -> str:
    """The class's join link and its QR code, for the teacher to project.

    `base` is the link `alledu serve` hands out (it sets ALLEDU_JOIN_URL: the machine's network
    address and the token); elsewhere (JupyterLab, a hub) there is none to show, and the page
    says which link to use instead.
    """
    base = base if base is not None else os.environ.get("ALLEDU_JOIN_URL", "")
    if not base:
        return (
            f"<p>Learners join with the class code <b>{esc(code)}</b> "
            "(the links <code>alledu class new</code> printed).</p>"
        )
    url = with_query(base, **{"class": code})
    return (
        '<div class="alledu-join"><div>'
        f"<p>Learners join class <b>{esc(code)}</b> with this link, or by scanning the code:</p>"
        f'<p><a href="{esc(url)}">{esc(url)}</a></p></div>'
        f'<div class="alledu-qr" role="img" aria-label="QR code of the class link">{qr_svg(url, scale=4)}</div></div>'
    )


class Dashboard(W.VBox, Guarded):
    """The teacher's page: key prompt first; then per-question counts, bars, reveal, CSV."""

    summary = T.Unicode("")
    citations = T.List(T.Unicode())

    def __init__(self, url: str | None = None, poll: bool = True) -> None:
        super().__init__()
        self.url = url
        self.poll = poll
        self.store: Store | None = None
        self.code: str | None = None
        self.session = BrowserSession()
        self.code_box = W.Text(description="Class code", placeholder="e.g. K7MX", style=LABEL_STYLE)
        self.key_box = W.Password(description="Teacher key", style=LABEL_STYLE, continuous_update=False)
        self.open_button = W.Button(description="Open dashboard", button_style="primary")
        self.message = W.HTML()
        self.prompt = W.VBox(
            [
                W.HTML(
                    "<p>This page is for the teacher. Enter the class code and the teacher key that "
                    "<code>alledu class new</code> printed.</p>"
                ),
                W.HBox([self.code_box, self.key_box, self.open_button]),
            ]
        )
        self.status = W.HTML()
        self.reveal = W.ToggleButton(description="Reveal the correct answers", value=False, icon="eye")
        self.reveal.layout.width = "auto"
        # the files are built when the teacher asks, from the answers at that moment: re-sending the
        # whole CSV on every change cost the teacher's page megabytes per minute (issue 24)
        self.prepare = W.Button(
            description="Prepare downloads",
            tooltip="Build the answers and the gradebook as CSV files, as they are now",
            layout=W.Layout(width="auto"),
        )
        self.prepare.on_click(self.guard(lambda _: self.build_downloads()))
        self.download = W.HTML()
        self.questions = W.HTML()
        self.join = W.HTML()
        self.mode = W.ToggleButtons(
            options=[("All questions", "list"), ("Present: one at a time", "present")],
            value="list",
            description="Show",
            style={**LABEL_STYLE, "button_width": "auto"},
        )
        self.mode.observe(self.guard(lambda _: self._show_mode()), "value")
        # present mode: one question in large type, every option counted, revealed one at a time
        self.slide_index = 0
        self._revealed: set[str] = set()
        self._slides: list[Slide] = []
        self.slide = W.HTML()
        self.previous_button = W.Button(description="◀ Previous", tooltip="Previous question (Left arrow)")
        self.next_button = W.Button(description="Next ▶", tooltip="Next question (Right arrow)")
        self.reveal_one = W.Button(description="Reveal this answer", tooltip="Show the right answer (R)", icon="eye")
        for button in (self.previous_button, self.next_button, self.reveal_one):
            button.layout.width = "auto"
        self.previous_button.on_click(self.guard(lambda _: self.go(self.slide_index - 1)))
        self.next_button.on_click(self.guard(lambda _: self.go(self.slide_index + 1)))
        self.reveal_one.on_click(self.guard(lambda _: self.reveal_current()))
        self.presenter_keys = PresenterKeys()
        self.presenter_keys.on_msg(self.guard(lambda _w, msg, _b: self._key(msg.get("action", ""))))
        self.present_join = W.HTML()  # the class link and its QR code stay on the projected screen
        self.present = W.VBox(
            [
                W.HBox([self.previous_button, self.next_button, self.reveal_one]),
                self.slide,
                self.present_join,
                self.presenter_keys,
            ]
        )
        self.present.add_class("alledu-present")
        self.present.layout.display = "none"
        # the class itself, behind the same key: close, reopen, reset (its answers deleted)
        self.close_button = W.Button(description="Close the class", tooltip="Accept no more answers")
        self.reopen_button = W.Button(description="Reopen the class", tooltip="Accept answers again")
        self.confirm_reset = W.Checkbox(description="Delete every answer of this class", indent=False)
        self.reset_button = W.Button(description="Reset", button_style="danger", tooltip="Delete the answers")
        for button in (self.close_button, self.reopen_button, self.reset_button):
            button.layout.width = "auto"
        self.close_button.on_click(self.guard(lambda _: self.act("close")))
        self.reopen_button.on_click(self.guard(lambda _: self.act("reopen")))
        self.reset_button.on_click(self.guard(lambda _: self.act("reset")))
        self.actions = W.HBox([self.close_button, self.reopen_button, self.confirm_reset, self.reset_button])
        self.actions.layout.flex_flow = "row wrap"
        self.class_list = W.HTML()  # every class in the store, folded: which to reopen, reset or export
        self.list_view = W.VBox([W.HBox([self.reveal, self.prepare, self.download]), self.questions])
        self.body = W.VBox(
            [self.status, self.join, self.mode, self.list_view, self.present, self.actions, self.class_list]
        )
        self.body.layout.display = "none"
        self.children = [W.HTML(CSS), self.prompt, self.message, self.body, self.session]
        self.open_button.on_click(self.guard(lambda _: self.unlock()))
        self.key_box.observe(self.guard(lambda _: self.unlock()), "value")
        self.reveal.observe(self.guard(lambda _: self.refresh(force=True)), "value")
        self.session.observe(self._from_browser, "code")
        self._lock = threading.RLock()
        self._key_tries, self._key_filled = float(KEY_TRIES), time.monotonic()
        self._seen: tuple[Any, ...] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.summary = "Teacher dashboard: nothing is shown until the class code and teacher key are entered."

    def _from_browser(self, _: Any) -> None:
        if self.session.code and not self.code_box.value:
            self.code_box.value = self.session.code

    @property
    def unlocked(self) -> bool:
        return self.code is not None

    def unlock(self) -> bool:
        """Check code and key against the store; on success show the data and start polling."""
        if self.unlocked or not self.key_box.value.strip():
            return self.unlocked
        try:
            code = normalize_code(self.code_box.value)
        except InvalidInput:  # never echoed: a teacher key typed into this box would be on the projector
            self.message.value = (
                '<div class="alledu-error" role="alert">That is not a class code: a code is 4 letters and '
                "digits, such as K7MX (the teacher key goes in the box beside it).</div>"
            )
            return False
        now = time.monotonic()
        self._key_tries = min(float(KEY_TRIES), self._key_tries + (now - self._key_filled) / KEY_EVERY_S)
        self._key_filled = now
        if self._key_tries < 1:
            log.warning("teacher key tries for class %s refused: too many from one page", code)
            self.message.value = (
                f'<div class="alledu-error" role="alert">Too many tries: wait {KEY_EVERY_S:g} s, then type the '
                "teacher key again.</div>"
            )
            return False
        self._key_tries -= 1
        url = self.url or location()
        store: Store = (
            PostgresStore(url, keep=True) if url.startswith(("postgres://", "postgresql://")) else open_store(url)
        )
        try:
            ok = store.check_key(code, self.key_box.value)
        except StoreUnavailable as exc:
            store.close()
            self.message.value = self._store_message(exc)
            return False
        if not ok:
            log.warning("wrong teacher key for class %s", code)  # the code, never what was typed
            store.close()
            self.message.value = (
                f'<div class="alledu-error" role="alert">That teacher key does not open class {esc(code)}.</div>'
            )
            return False
        self.store, self.code = store, code
        self.join.value = self.present_join.value = join_html(code)
        self.key_box.value = ""
        self.prompt.layout.display = "none"
        self.body.layout.display = None
        self.refresh(force=True)
        if self.poll:
            self._thread = threading.Thread(target=self._poll, name="alledu-dashboard", daemon=True)
            self._thread.start()
        return True

    def _store_message(self, exc: Exception) -> str:
        return (
            f'<div class="alledu-error" role="alert"><b>The class store cannot be used.</b> {esc(exc)}. '
            "Learners' lessons keep working, but their answers say <b>not sent</b> until it is back. "
            "Check the folder or database given to <code>alledu serve --data/--db</code>.</div>"
        )

    def _poll(self) -> None:
        while not self._stop.wait(POLL_S):
            try:
                self.refresh()
            except Exception as exc:  # shown on the page; the loop carries on
                self.message.value = error_html(exc)

    def stop(self) -> None:
        """Stop polling and release the store (tests; a closed page's kernel is culled anyway)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self.store is not None:
            self.store.close()

    def refresh(self, force: bool = False) -> None:
        """Redraw when the class changed since the last look (or when forced, e.g. by reveal)."""
        if self.store is None or self.code is None:
            return
        with self._lock:
            try:
                version = self.store.version(self.code)
                # redrawn at least once a minute ("updated HH:MM:SS"): the teacher sees it is live,
                # and the page's kernel shows activity, so the 30-minute idle cull never takes
                # a dashboard left open through a lecture
                seen = (*version, self.reveal.value, _minute())
                if not force and seen == self._seen:
                    return
                rows = self.store.answers(self.code)
                info = self.store.class_info(self.code)
            except StoreUnavailable as exc:
                self.message.value = self._store_message(exc)
                self._seen = None
                return
            self.message.value = ""
            self._seen = seen
            stats = summarize(rows)
            learners = len({r.learner for r in rows})
            state = "open" if info.is_open else f"closed {info.closed_at[:16].replace('T', ' ')} UTC"
            title = f" - {esc(info.title)}" if info.title else ""
            clock = dt.datetime.now().strftime("%H:%M:%S")
            self.status.value = (
                f"<h2>Class {esc(self.code)}{title}</h2><p>{state} · {learners} learner(s) · {len(rows)} answer(s) "
                f"· updated {clock}. Each learner counts once per question, with their latest answer.</p>"
            )
            if self.download.value and self.download.value != self._stale:
                self.download.value = self._stale  # the files built before describe fewer answers
            self.questions.value = self._questions_html(stats)
            self._slides = slides(rows)
            self._draw_slide()
            self.close_button.disabled, self.reopen_button.disabled = not info.is_open, info.is_open
            if force:
                self.class_list.value = self._class_list_html()
            self.summary = f"class {self.code}: {len(rows)} answers from {learners} learners"

    _stale = "<p class='alledu-cite'>New answers since the files were built: prepare them again.</p>"

    # ---- present mode ------------------------------------------------------------------
    def _show_mode(self) -> None:
        presenting = self.mode.value == "present"
        self.list_view.layout.display = "none" if presenting else None
        self.present.layout.display = None if presenting else "none"
        self.presenter_keys.active = presenting
        self._draw_slide()

    def go(self, index: int) -> None:
        """Show question `index` (kept within the questions answered so far)."""
        self.slide_index = max(0, min(index, len(self._slides) - 1))
        self._draw_slide()

    def reveal_current(self) -> None:
        """Reveal the right answer of the question on screen only (the others stay hidden)."""
        if self._slides:
            self._revealed.add(self._slides[self.slide_index].id)
            self._draw_slide()

    def _key(self, action: str) -> None:
        if action == "next":
            self.go(self.slide_index + 1)
        elif action == "previous":
            self.go(self.slide_index - 1)
        elif action == "reveal":
            self.reveal_current()

    def _draw_slide(self) -> None:
        if not self._slides:
            self.slide.value = "<p>No answers yet. Questions appear here as the class answers them.</p>"
            for button in (self.previous_button, self.next_button, self.reveal_one):
                button.disabled = True
            return
        self.slide_index = min(self.slide_index, len(self._slides) - 1)
        s = self._slides[self.slide_index]
        shown = s.id in self._revealed
        rows = []
        for o in s.options:
            right = shown and o.correct
            colour = PALETTE["yes"] if right else PALETTE["dose"]
            rows.append(
                f"<tr class='{'alledu-right' if right else ''}'>"
                f"<th scope='row'>{esc(o.label)}{' ✓' if right else ''}</th>"
                f"<td class='alledu-present-bar'><div style='background:{colour};width:{o.percent}%'></div></td>"
                f"<td>{o.count}</td><td>{o.percent}%</td></tr>"
            )
        several = " (each could tick several)" if s.kind == "multiple" else ""
        answer = f"<p class='alledu-ok'>Right answer: {esc(s.right)}</p>" if shown else ""
        people = f"{s.answered} learner{'' if s.answered == 1 else 's'} answered"
        self.slide.value = (
            f"<p class='alledu-present-where'>{esc(s.title)} · {self.slide_index + 1} of {len(self._slides)} "
            f"· {people}</p><h2>{esc(s.prompt)}</h2>"
            "<table class='alledu-present-table' aria-label='answers to this question'>"
            f"<thead><tr><th>answer{several}</th><th>share</th><th>learners</th><th>%</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{answer}"
        )
        self.previous_button.disabled = self.slide_index == 0
        self.next_button.disabled = self.slide_index >= len(self._slides) - 1
        self.reveal_one.disabled = shown

    # ---- the class ----------------------------------------------------------------------
    def _class_list_html(self) -> str:
        """Every class in the store (newest first): code, title, state, answers and learners."""
        try:
            classes = self.store.list_classes() if self.store else []
        except StoreUnavailable:
            return ""
        rows = "".join(
            f"<tr><td><b>{esc(info.code)}</b>{' (this page)' if info.code == self.code else ''}</td>"
            f"<td>{esc(info.title)}</td><td>{'open' if info.is_open else 'closed'}</td><td>{n}</td><td>{k}</td>"
            f"<td>{esc(info.created_at.partition('.')[0].replace('T', ' '))} UTC</td></tr>"
            for info, n, k in classes
        )
        return (
            f"<details class='alledu-fold'><summary>All classes in this store ({len(classes)})</summary>"
            "<table class='alledu-table'><thead><tr><th>code</th><th>title</th><th>state</th><th>answers</th>"
            f"<th>learners</th><th>started</th></tr></thead><tbody>{rows}</tbody></table>"
            "<p class='alledu-cite'>Open another class's page with its code and teacher key; "
            "<code>alledu class list</code> shows the same.</p></details>"
        )

    def act(self, action: str) -> None:
        """Close, reopen or reset (with its box ticked) the unlocked class, then redraw."""
        if self.store is None or self.code is None:
            return
        if action == "reset" and not self.confirm_reset.value:
            self.message.value = (
                '<div class="alledu-warn" role="alert">Tick “Delete every answer of this class” first: '
                "a reset cannot be undone.</div>"
            )
            return
        try:
            if action == "close":
                self.store.close_class(self.code)
                said = f"Class {esc(self.code)} closed: no more answers are accepted."
            elif action == "reopen":
                self.store.reopen_class(self.code)
                said = f"Class {esc(self.code)} is open again."
            else:
                gone = self.store.reset_class(self.code)
                self.confirm_reset.value = False
                self._revealed.clear()
                self.slide_index = 0
                self.download.value = ""
                said = f"Class {esc(self.code)}: {gone} answer{'' if gone == 1 else 's'} deleted."
        except StoreUnavailable as exc:
            self.message.value = self._store_message(exc)
            return
        self.refresh(force=True)  # clears the message line: what was done is said after it
        self.message.value = f'<div class="alledu-ok" role="status">{said}</div>'

    def build_downloads(self) -> None:
        """The answers (one line per answer, readable) and the gradebook (one line per learner), now."""
        if self.store is None or self.code is None:
            return
        try:
            rows = self.store.answers(self.code)
        except StoreUnavailable as exc:
            self.message.value = self._store_message(exc)
            return
        links = []
        for name, text, what in (
            ("answers", to_csv(rows), "Answers (CSV, one line per answer)"),
            ("gradebook", gradebook_csv(rows), "Gradebook (CSV, one line per learner)"),
        ):
            data = base64.b64encode(text.encode()).decode()
            links.append(
                f'<a download="class-{esc(self.code)}-{name}.csv" href="data:text/csv;base64,{data}">{what}</a>'
            )
        self.download.value = " · ".join(links)

    def _questions_html(self, stats: list[QuestionStats]) -> str:
        if not stats:
            return "<p><i>No answers yet. They appear here within two seconds of being sent.</i></p>"
        reveal = self.reveal.value
        parts = ["<h3>Questions, most often answered wrong first</h3>"]
        for s in stats:
            top = max((b.count for b in s.bars), default=0) or 1
            rows = []
            for bar in s.bars:
                colour = PALETTE["yes"] if reveal and bar.correct else PALETTE["dose"]
                mark = " ✓ correct" if reveal and bar.correct else ""
                width = round(bar.count * 100 / top)
                rows.append(
                    f"<tr><td>{esc(bar.label)}{mark}</td>"
                    f"<td style='width:40%'><div style='background:{colour};width:{width}%;height:14px'></div></td>"
                    f"<td>{bar.count}</td></tr>"
                )
            prompt = esc(s.info.prompt) if s.info else esc(s.id)
            answer = ""
            if reveal and s.info is not None:
                answer = f"<p class='alledu-ok'>Correct answer: {esc(s.info.correct_label())}</p>"
            parts.append(
                f"<div class='alledu-live-q' data-question='{esc(s.id)}'><h4>{prompt}</h4>"
                f"<p class='alledu-cite'>{esc(s.title)}</p>"
                f"<p><b>{s.answered} answered · {s.wrong} wrong</b></p>"
                f"<table class='alledu-table' aria-label='answers to {esc(s.title)}'>"
                f"<thead><tr><th>answer</th><th>share</th><th>learners</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>{answer}</div>"
            )
        return "".join(parts)
