"""Pieces every lesson shares: header, footer, error display, palette, labelled controls.

Why: every page must show the educational-use notice, the content date and its references,
and an error inside a widget callback must appear in the page as a friendly message, never
vanish into a log nobody reads (Voila drops callback output) and never as a traceback.
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import ipywidgets as W
import traitlets as T

from alledu.brief import Brief
from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.models import Lesson
from alledu.validate import field_label
from alledu.widgets import style
from alledu.widgets.print_css import PRINT_STYLE

log = logging.getLogger("alledu.widgets")

# Okabe-Ito colour-blind-safe palette; every colour is paired with a symbol or a label.
PALETTE = {
    "dose": "#0072B2",  # blue
    "infusion": "#56B4E9",  # sky blue
    "free": "#999999",  # grey
    "hospital": "#D55E00",  # vermillion
    "premed": "#009E73",  # bluish green
    "yes": "#009E73",
    "no": "#D55E00",
    "unknown": "#E69F00",  # orange
    "model": "#CC79A7",  # reddish purple
}
MARK = {True: "✓", False: "✗", None: "?"}

LABEL_STYLE = {"description_width": "initial"}

CSS = """
<style>
.alledu-page { font-size: 15px; line-height: 1.45; max-width: 1100px; }
.alledu-notice { border-left: 6px solid #D55E00; background: #fff4ec; padding: 6px 10px; margin: 6px 0; }
.alledu-error { border-left: 6px solid #D55E00; background: #fff0f0; padding: 6px 10px; }
.alledu-ok { border-left: 6px solid #009E73; background: #effaf6; padding: 6px 10px; }
.alledu-join { display: flex; flex-wrap: wrap; gap: 1em; align-items: center; }
.alledu-join a { word-break: break-all; }
.alledu-qr svg { display: block; background: #fff; }
/* present mode (the teacher's dashboard on a projector): one question, read from the back row */
.alledu-present { font-size: 24px; line-height: 1.3; }
.alledu-present h2 { font-size: 34px; line-height: 1.25; margin: 0.3em 0 0.5em; }
.alledu-present .alledu-ok { font-size: 22px; }
.alledu-present-where { font-size: 20px; color: #333; margin: 0.4em 0 0; }
.alledu-present .alledu-present-table { border-collapse: collapse; width: 100%; font-size: 24px; }
.alledu-present .alledu-present-table th, .alledu-present .alledu-present-table td {
  padding: 6px 10px; border-bottom: 1px solid #ccc; text-align: left; font-size: 24px; }
.alledu-present .alledu-present-table thead th { font-size: 18px; }
.alledu-present .alledu-present-table tbody th { font-weight: normal; width: 45%; }
.alledu-present .alledu-present-table tr.alledu-right th { font-weight: bold; }
.alledu-present .alledu-qr svg { width: 132px; height: auto; }
.alledu-present .alledu-join p, .alledu-present p { font-size: 18px; margin: 0.2em 0; }
.alledu-present-bar { width: 35%; }
.alledu-present-bar div { height: 26px; min-width: 2px; }
.alledu-present .jupyter-button { font-size: 20px; height: auto; padding: 6px 14px; }
.alledu-warn { border-left: 6px solid #E69F00; background: #fff8e6; padding: 6px 10px; }
.alledu-table { border-collapse: collapse; margin: 4px 0; }
.alledu-table th, .alledu-table td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
.alledu-table tr.chosen td { font-weight: bold; background: #eaf3fb; }
.alledu-badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; font-weight: bold; }
.alledu-badge.core { background: #e8eef7; color: #123; border: 1px solid #0072B2; }
.alledu-badge.update { background: #fff8e6; color: #4a3000; border: 1px solid #E69F00; }
.alledu-badge.withdrawn { background: #fbe9e0; color: #5a1a00; border: 1px solid #D55E00; }
.alledu-cite { color: #444; font-size: 12px; }
/* a teacher's own question or case (alledu.authoring): marked as theirs, not the suite's */
.alledu-teacher-mark { display: inline-block; background: #e8f0fe; color: #123; border: 1px solid #6b8fd6;
  border-radius: 3px; padding: 0 6px; font-size: 13px; margin-bottom: 4px; }
.alledu-teacher-prompt { font-size: 1.05em; }  /* the teacher's own bold stands out */
.alledu-teacher-prompt p { margin: 4px 0; }
.alledu-teacher-feedback { margin-top: 4px; }
.alledu-scroll { overflow-x: auto; max-width: 100%; }
.alledu-nav { margin: 12px 0; font-size: 16px; }
.alledu-nav a, .alledu-page a { text-decoration: underline; color: #0050a0; }
.alledu-review li { margin: 4px 0; }
.widget-radio-box label { white-space: normal; }
.alledu-safety { border-left: 6px solid #D55E00; background: #fff4ec; padding: 4px 10px; margin: 6px 0; }
.alledu-safety ul { margin: 2px 0; }
.alledu-tree ul { list-style: none; padding-left: 18px; margin: 2px 0; border-left: 1px dotted #999; }
.alledu-tree li { margin: 2px 0; }
.alledu-tree .met { color: #005a40; } .alledu-tree .failed { color: #8a2c00; }
.alledu-tree .unknown { color: #6b4a00; } .alledu-tree .current { outline: 2px solid #0072B2; }
</style>
"""
CSS += style.RESPONSIVE_CSS + style.A11Y_CSS  # phones and keyboard focus (alledu/widgets/style.py)
CSS += PRINT_STYLE  # printing a lesson: alledu/widgets/print_css.py

F = TypeVar("F", bound=Callable[..., Any])


def esc(text: Any) -> str:
    return html.escape(str(text))


def cite_tag(keys: Iterable[str]) -> str:
    keys = list(keys)
    return f'<span class="alledu-cite">[{esc(", ".join(keys))}]</span>' if keys else ""


def badge(text: str, kind: str) -> str:
    return f'<span class="alledu-badge {kind}">{esc(text)}</span>'


def error_html(exc: BaseException) -> str:
    """A learner-facing message: what was wrong and what is accepted, never a traceback."""
    if isinstance(exc, InvalidInput):
        shown = "empty" if exc.value is None or exc.value == "" else f"“{exc.value}”"
        return (
            f'<div class="alledu-error" role="alert"><b>Check this entry.</b> '
            f"{esc(field_label(exc.field))}: {esc(shown)} is not accepted. Accepted: {esc(exc.accepted)}. "
            "Nothing is calculated from it until it is corrected.</div>"
        )
    return (
        '<div class="alledu-error" role="alert"><b>Something went wrong in this lesson.</b> '
        f"({esc(type(exc).__name__)}: {esc(exc)}). Change a value or reload the page; "
        "the details are in the server log for your teacher.</div>"
    )


class Guarded:
    """Mixin: `self.message` shows errors; `self.guard(fn)` wraps callbacks so none vanish."""

    message: W.HTML

    def guard(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.message.value = ""
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # shown in the page; full detail to the server log
                if not isinstance(exc, InvalidInput):
                    log.exception("error in lesson callback %s", getattr(fn, "__name__", fn))
                self.on_error(exc)  # clear stale results first, so no dose is ever shown beside the message
                self.message.value = error_html(exc)
                return None

        return wrapper  # type: ignore[return-value]

    def on_error(self, exc: BaseException) -> None:
        """Hook: clear results that would be wrong after a bad entry."""


class LessonPanel(W.VBox, Guarded):
    """Base of every lesson panel: a plain-text `summary`, the `citations` the footer lists, a
    `message` line for errors, and `guard` for callbacks.

    Why: each panel needs the same block, and an error must clear every result before the
    message shows (no dose beside a message); panels say what to clear in `clear_results`.
    """

    summary = T.Unicode("")
    citations = T.List(T.Unicode())

    def on_error(self, exc: BaseException) -> None:
        self.clear_results()
        self.summary = f"ERROR {exc}"

    def clear_results(self) -> None:
        """Hook: empty every widget that shows a result."""


def lesson(lesson_id: str) -> Lesson:
    for item in content().lessons.lessons:
        if item.id == lesson_id:
            return item
    raise InvalidInput("lesson", lesson_id, ", ".join(x.id for x in content().lessons.lessons))


def notice_html(where: str = "") -> str:
    """The educational-use notice and the content's dates; `where` adds a class (the header's copy)."""
    m = content().meta
    return (
        f'<div class="alledu-notice {where}" role="note"><b>{esc(m.notice)}</b><br>'
        f"Content: the 2021 review dated {m.core_review.date.isoformat()} {cite_tag(m.core_review.cite)} and the US "
        f"labels as in force on {m.content_checked.isoformat()} (the date this content was checked); where they "
        "differ, both are shown with their dates."
        "</div>"
    )


def header(lesson_id: str) -> W.HTML:
    """Suite title, notice, content date, then the lesson's objectives and time."""
    item, m = lesson(lesson_id), content().meta
    objectives = "".join(f"<li>{esc(o)}</li>" for o in item.objectives)
    return W.HTML(
        CSS + f'<div class="alledu-page"><div style="color:#555">{esc(m.title)}</div>'
        f"<h1 style='margin:4px 0'>{esc(item.title)}</h1>{notice_html('alledu-head-notice')}"
        # folded: at 1366x768 the notice and the objectives filled the first screen (printed open)
        f"<details class='alledu-fold'><summary><b>You will be able to</b> ({len(item.objectives)} objectives, "
        f"about {item.minutes} minutes)</summary><ul>{objectives}</ul></details></div>",
        layout=W.Layout(width="100%"),
    )


def references_html(keys: Iterable[str]) -> str:
    cites = content().citations
    keys = list(dict.fromkeys(keys))
    items = "".join(
        f"<li><code>[{esc(k)}]</code> {esc(cites[k].text)} <span class='alledu-cite'>({esc(cites[k].kind)})</span></li>"
        for k in keys
        if k in cites
    )
    return f"<ol>{items}</ol>"


def lesson_nav(lesson_id: str) -> str:
    """Previous / next lesson links, so the lessons read as a course (relative: Voila and Lab alike)."""
    items = list(content().lessons.lessons)
    i = next(n for n, x in enumerate(items) if x.id == lesson_id)
    links = []
    if i > 0:
        links.append(f"<a href='{esc(items[i - 1].id)}.ipynb' rel='prev'>◀ Previous: {esc(items[i - 1].title)}</a>")
    if i + 1 < len(items):
        links.append(f"<a href='{esc(items[i + 1].id)}.ipynb' rel='next'>Next: {esc(items[i + 1].title)} ▶</a>")
    return "<nav class='alledu-nav' aria-label='Lessons'>" + " · ".join(links) + "</nav>"


def footer(lesson_id: str, *panels: Any) -> W.HTML:
    """Recap, the references behind everything the page shows (kept current), and lesson links."""
    item = lesson(lesson_id)
    recap = "".join(f"<li>{esc(r)}</li>" for r in item.recap)
    box = W.HTML(layout=W.Layout(width="100%"))

    def render(*_: Any) -> None:
        keys = list(content().meta.core_review.cite) + list(item.cite)
        for panel in panels:
            keys += list(getattr(panel, "citations", ()))
        box.value = (
            CSS + f'<div class="alledu-page"><h2>Recap</h2><ul>{recap}</ul>'
            f"<h2>References</h2>{references_html(keys)}{notice_html()}{lesson_nav(lesson_id)}</div>"
        )

    render()
    from alledu.widgets.progress import remember  # (progress imports controls, which import this module)

    for panel in panels:
        if hasattr(panel, "observe") and "citations" in getattr(panel, "trait_names", lambda: [])():
            panel.observe(render, "citations")
        remember(panel, lesson_id)  # a reload brings the learner back where they were
    return box


def safety_html(notes: Iterable[Any]) -> str:
    """The safety notes, always visible next to a dose (never folded away)."""
    items = "".join(f"<li>{esc(n.text)} {cite_tag(n.cite)}</li>" for n in notes)
    if not items:
        return ""
    return f'<div class="alledu-safety" role="note"><b>⚠ Safety notes</b><ul>{items}</ul></div>'


def fit_html(fit: Iterable[str]) -> str:
    """Whom the dose is for, when the regimen's population does not fit the patient."""
    return "".join(f'<div class="alledu-warn" role="note"><b>⚠ Whom this dose is for:</b> {esc(t)}</div>' for t in fit)


def fold(title: str, html: str) -> str:
    """A section folded on screen under its h3 title (a phone's page stays shorter), printed open
    (print_css: `details.alledu-fold`)."""
    return f"<details class='alledu-fold'><summary><h3>{esc(title)}</h3></summary>{html}</details>"


def brief_html(b: Brief, *, heading: str = "p", with_safety: bool = False) -> str:
    """A regimen's brief: title, badges, mechanism, label vs review, notes.

    Whom the dose is for and the safety notes go next to the dose itself; `with_safety` adds
    them here for a page that shows the brief alone.
    """
    badges = badge("WITHDRAWN", "withdrawn") if b.withdrawn else ""
    if b.indication_label is None:
        badges += " " + badge("OFF-LABEL", "update")
    head = (
        f"<{heading}><b>{esc(b.title)}</b> {badges} {cite_tag(b.citations[:2])}</{heading}>"
        f"<p>{esc(b.mechanism)} Route: {esc(b.route)}.</p>"
    )
    withdrawn = f'<div class="alledu-error" role="note"><b>{esc(b.withdrawn)}</b></div>' if b.withdrawn else ""
    when = b.indication_label_when
    label_when = "" if not when else f" ({esc(when)})" if not when[0].isdigit() else f" (since {esc(when)})"
    if b.indication_review is not None or b.indication_label is None:
        rows = [
            [f"The 2021 review ({esc(b.review_date)})", esc(b.indication_review or "says nothing about it")],
            [f"The label in force{label_when}", esc(b.indication_label or "says nothing about it (off-label use)")],
        ]
        indication = "<p><b>Indication, side by side:</b></p>" + table(["Source", "Indication"], rows, raw=True)
    else:
        indication = f"<p><b>Indication</b> (review and label agree): {esc(b.indication_label)}</p>"
    diffs = ""
    if b.differences:
        diffs = (
            "<div class='alledu-warn'><b>Where the 2021 review and the label in force differ:</b><ul>"
            + "".join(f"<li>{esc(d)}</li>" for d in b.differences)
            + "</ul></div>"
        )
    notes = "".join(f"<li>{esc(n.text)} {cite_tag(n.cite)}</li>" for n in b.notes)
    notes += "".join(f"<li>{badge('LABEL UPDATE', 'update')} {esc(n)}</li>" for n in b.dated_notes)
    notes = f"<p><b>Teaching notes</b></p><ul>{notes}</ul>" if notes else ""
    guard = fit_html(b.fit) + safety_html(b.safety) if with_safety else ""
    return head + withdrawn + guard + indication + diffs + notes


def table(
    headers: list[str], rows: list[list[Any]], chosen: int | None = None, raw: bool = False, cards: bool = False
) -> str:
    """A small accessible HTML table; `chosen` row is bold and marked, not only coloured.

    `cards`: on a phone each row becomes a card, every cell under its column's name (style.py),
    for a table of long texts that would otherwise wrap into narrow, very tall columns.
    """
    # cards: explicit roles, so a table laid out as blocks keeps its table semantics for screen readers
    th, tr = ("<th role='columnheader' scope='col'>", "<tr role='row'") if cards else ("<th scope='col'>", "<tr")
    head = "".join(f"{th}{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = " class='chosen'" if i == chosen else ""
        cells = "".join(
            (f"<td role='cell' data-label='{esc(headers[j] if j < len(headers) else '')}'>" if cards else "<td>")
            + f"{c if raw else esc(c)}</td>"
            for j, c in enumerate(row)
        )
        body.append(f"{tr}{cls}>{cells}</tr>")
    # a wide table scrolls inside its own box, which a keyboard can reach and scroll (style.RESPONSIVE_CSS)
    box = f"<div class='alledu-scroll' tabindex='0' role='group' aria-label='{esc('Table: ' + ', '.join(headers))}'>"
    kind = "alledu-table alledu-cards' role='table" if cards else "alledu-table"
    return f"{box}<table class='{kind}'><thead>{tr}>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
