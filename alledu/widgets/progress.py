"""A learner's progress in a lesson, kept in their browser: a reload, Back, or a kernel that was
culled or restarted brings them back where they were.

Why: a lesson's state lives in its kernel, which a reload replaces and an idle cull stops; a
learner at question 6 of the quiz was sent back to question 1 with score 0. The browser keeps
a small JSON copy of what the panel needs to rebuild itself (localStorage, per lesson, for this
server's address), written on every change; a new page's panel is handed that copy once and
restores from it. Nothing leaves the browser. Panels say what they keep (`progress_state`) and
how they come back (`restore_progress`); `remember` wires one panel to its lesson.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import anywidget
import ipywidgets as W
import traitlets as T

from alledu.widgets.controls import ChoiceControls, NumberEntry

log = logging.getLogger(__name__)

PROGRESS_JS = """
export default {
  render({ model, el }) {
    el.style.display = "none";
    const key = "alledu-progress:" + model.get("lesson");
    let kept = "";
    try { kept = localStorage.getItem(key) || ""; } catch (e) {}
    // handed to the kernel once; it answers with its state, which is kept from then on
    model.set("restore", kept || "{}");
    model.save_changes();
    const keep = () => { try { localStorage.setItem(key, model.get("state")); } catch (e) {} };
    model.on("change:state", keep);
    return () => model.off("change:state", keep);
  },
};
"""


class Progress(anywidget.AnyWidget):
    """The browser's copy of one lesson's progress: `state` goes to the browser, `restore` comes back."""

    _esm = PROGRESS_JS
    lesson = T.Unicode("").tag(sync=True)
    state = T.Unicode("").tag(sync=True)
    restore = T.Unicode("").tag(sync=True)


def remember(panel: Any, lesson_id: str) -> Progress | None:
    """Keep `panel`'s progress in the browser for `lesson_id` (panels without `progress_state`: none).

    The copy is restored once, when the page reports it; a copy that no longer fits the lesson
    (content changed, a question gone) is dropped and the lesson starts fresh.
    """
    if not hasattr(panel, "progress_state"):
        return None
    box = Progress(lesson=lesson_id)
    restored = False

    def save(*_: Any) -> None:
        if restored:  # never before the browser's copy is read: defaults must not overwrite it
            box.state = json.dumps(panel.progress_state(), sort_keys=True, default=str)

    def restore(change: dict[str, Any]) -> None:
        nonlocal restored
        if restored:
            return
        refresh = getattr(panel, "refresh_content", None)
        if refresh is not None:  # a kernel preheated before a teacher's edit: the page opens on today's content
            try:
                refresh()
            except Exception as exc:  # the panel keeps what it had; the page still opens
                log.warning("could not refresh %s's content on page load (%s)", lesson_id, exc)
        try:
            kept = json.loads(change["new"] or "{}")
            if kept:
                panel.restore_progress(kept)
        except Exception as exc:  # a stale or damaged copy: start fresh rather than fail the page
            log.info("progress kept for %s no longer fits (%s); starting fresh", lesson_id, exc)
        restored = True
        save()

    box.observe(restore, "restore")
    panel.observe(save, "summary")  # every panel redraws its summary on every change
    panel.children = (*panel.children, box)
    return box


def control_values(panel: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """What a learner set in a panel's controls, by attribute name (typed text as typed)."""
    out: dict[str, Any] = {}
    for name in names:
        widget = getattr(panel, name)
        if isinstance(widget, NumberEntry):
            out[name] = widget.text.value
        elif isinstance(widget, ChoiceControls):
            out[name] = dict(widget.values)
        elif isinstance(widget, W.DatePicker):
            out[name] = widget.value.isoformat() if widget.value else None
        else:
            out[name] = widget.value
    return out


def set_controls(panel: Any, kept: dict[str, Any], names: tuple[str, ...]) -> None:
    """Put kept values back in the order given (a regimen before its choices), as a learner would."""
    for name in names:
        if name not in kept:
            continue
        widget, value = getattr(panel, name), kept[name]
        if isinstance(widget, NumberEntry):
            widget.text.value = str(value)
        elif isinstance(widget, ChoiceControls):
            for choice, chosen in dict(value).items():
                widget.set(choice, chosen)
        elif isinstance(widget, W.DatePicker):
            widget.value = dt.date.fromisoformat(value) if value else None
        else:
            widget.value = value
