"""What a lesson notebook calls: header, footer, lesson index, and the checked example line.

Why: notebooks stay thin pages (import, build, display); everything they show that is not a
widget comes from here and from content, so lessons never carry text or numbers of their own.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import traitlets as T

from alledu.content_loader import content
from alledu.widgets.common import CSS, esc, footer, header

__all__ = ["check", "footer", "header", "lesson_index"]


def lesson_index() -> W.HTML:
    """Every lesson with its purpose, time and a link (relative, so it works in Lab and Voila)."""
    rows = []
    for item in content().lessons.lessons:
        if item.id == "00_start_here":
            continue
        rows.append(
            f"<li><a href='{esc(item.id)}.ipynb'><b>{esc(item.title)}</b></a> "
            f"({item.minutes} min) - {esc(item.purpose)}</li>"
        )
    how = (
        "<h2>How to use the lessons</h2><ul>"
        "<li>Each lesson is a page of controls: drag a slider or type a value, pick from a list, "
        "press a button. No code is needed.</li>"
        "<li>Every number carries a citation key in square brackets; the full reference is at the foot of the "
        "page.</li>"
        "<li>Two sources, kept apart: the <b>2021 review</b> (the curriculum) and the <b>US label in force</b> "
        "(with the date of each change). Patients are judged by the label; where the review says otherwise, both "
        "are shown side by side. <b>WITHDRAWN</b> and <b>OFF-LABEL</b> badges say when a product is no longer "
        "available or is used outside its label.</li>"
        "<li>Keyboard: Tab moves between controls and answers, Space chooses or ticks, Enter presses a "
        "button, arrow keys move sliders. After <i>Check</i> the focus is on <i>Next</i>, then on the next "
        "question.</li></ul>"
    )
    return W.HTML(f"{CSS}<div class='alledu-page'><h2>Lessons</h2><ol>{''.join(rows)}</ol>{how}</div>")


class TextVersion(W.HTML):
    """An HTML view of a panel's result whose plain-text form (tests/data/lessons holds it) is the text itself."""

    text = T.Unicode("")

    def __repr__(self) -> str:
        return self.text

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        data = super()._repr_mimebundle_(**kwargs)
        if data is not None:
            data["text/plain"] = self.text  # whole, not cut at 110 characters as widgets' reprs are
        return data


def check(panel: Any) -> TextVersion:
    """The panel's result as text, kept in step with the panel (and checked: tests/test_notebooks.py).

    It follows every change, and while an entry needs correcting it says so instead of showing
    any dose: a page never shows a dose next to a message that the entry is wrong.
    """
    box = TextVersion(layout=W.Layout(width="100%"))

    def render(*_: Any) -> None:
        text = getattr(panel, "summary", "")
        box.text = text
        if text.startswith("ERROR"):
            box.value = "<p class='alledu-warn'>The text version is hidden while an entry above needs correcting.</p>"
        else:
            for rid in content().meta.regimens:  # learners read names, not the content's ids
                text = text.replace(f"{rid}:", f"{content().regimens[rid].short_title}:")
                text = text.replace(f"{rid} ", f"{content().regimens[rid].short_title} ")
            box.value = f"<details><summary>The result in plain text</summary><pre>{esc(text)}</pre></details>"

    render()
    panel.observe(render, "summary")
    return box


def cells(lesson_id: str) -> list[tuple[str, str]]:
    """A lesson page's notebook cells as (kind, source): header, the lesson's panel (lessons.yaml
    `panel`) under its heading, its text version, footer; the landing page lists the lessons.
    `tools/notebooks.py build` writes alledu/lessons/ from this, so every page is the same thin page."""
    lesson = next(item for item in content().lessons.lessons if item.id == lesson_id)
    head = ("code", f'from alledu.widgets import page\n\npage.header("{lesson.id}")')
    if lesson.panel is None:
        return [head, ("code", "page.lesson_index()"), ("code", f'page.footer("{lesson.id}")')]
    module, _, name = lesson.panel.widget.rpartition(".")
    return [
        head,
        ("markdown", f"## {lesson.panel.heading}"),
        ("code", f"from {module} import {name}\n\npanel = {name}()\npanel"),
        ("code", "page.check(panel)"),
        ("code", f'page.footer("{lesson.id}", panel)'),
    ]
