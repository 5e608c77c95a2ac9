"""Eligibility decision tree: one question at a time, the whole tree with the path lit,
and a verdict for every agent.

Why: learners reason criterion by criterion. The questions and rules are the same data the
domain's eligibility engine walks, so the drawing can never disagree with the verdicts.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import ipywidgets as W
import traitlets as T

from alledu.content_loader import content
from alledu.eligibility import NodeResult, Verdict, criterion_text, eligibility, quantity, scope_line
from alledu.models import PatientField
from alledu.patient import Answers
from alledu.schedule import regimen
from alledu.validate import parse_number
from alledu.widgets.common import CSS, LABEL_STYLE, MARK, LessonPanel, badge, cite_tag, esc, table
from alledu.widgets.print_css import SCREEN_ONLY, print_summary
from alledu.widgets.radio import RadioGroup

UNKNOWN = "__unknown__"
VERDICT = {True: "✓ Eligible", False: "✗ Not eligible", None: "? Undecided"}
NOT_IN_REVIEW = "– Not in the review"


@dataclasses.dataclass(frozen=True)
class Question:
    """One tree question, from a patient field declared with `ask: true`."""

    field: str
    label: str
    options: dict[Any, str] | None
    unit: str | None
    ask_if: dict[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)

    def applies(self, answers: dict[str, Any]) -> bool:
        """Asked of this patient: every `ask_if` answer is one of its values, or not known yet."""
        return all(answers.get(f) is None or answers[f] in values for f, values in self.ask_if.items())


def questions() -> tuple[Question, ...]:
    """The questions the tree asks (patient fields with `ask: N`, in that order)."""
    fields: dict[str, PatientField] = content().patient_fields
    asked = sorted((f.ask, name) for name, f in fields.items() if f.ask is not None)
    return tuple(
        Question(
            name,
            fields[name].label,
            dict(fields[name].options or {}) or None,
            fields[name].unit,
            dict(fields[name].ask_if or {}),
        )
        for _, name in asked
    )


class TreeState(enum.Enum):
    """ASKING: a question is on screen. DONE: every question has been answered or skipped."""

    ASKING = "asking"
    DONE = "done"


class EligibilityTree(LessonPanel):
    """Lesson 04. `summary` is one line per agent: 'regimen_id: eligible|not eligible|undecided'."""

    state = T.UseEnum(TreeState, default_value=TreeState.ASKING)
    step = T.Int(0)
    answers = T.Dict()

    def __init__(self) -> None:
        self.questions: tuple[Question, ...] = questions()
        # the question line; focused after Answer/Back (DOMWidget.focus) so keyboard users land on it
        self.prompt = W.Label(tabbable=False, style={"font_weight": "bold"})
        self.prompt.add_class("alledu-question")
        self.choice = RadioGroup(layout=W.Layout(width="max-content"))
        self.number = W.Text(placeholder="leave empty if unknown", description="Value", style=LABEL_STYLE)
        self.back_button = W.Button(description="◀ Back", tooltip="Previous question")
        self.next_button = W.Button(description="Answer ▶", button_style="primary", tooltip="Record and go on")
        self.restart_button = W.Button(description="Start again", tooltip="Clear every answer")
        checked = content().meta.content_checked.isoformat()
        reviewed = content().meta.core_review.date.isoformat()
        self.view = W.ToggleButtons(
            options=[(f"The label in force ({checked})", "label"), (f"The 2021 review ({reviewed})", "review")],
            description="Judge by",
            style={**LABEL_STYLE, "button_width": "240px"},
        )
        self.message = W.HTML()
        self.drawing = W.HTML()
        self.verdicts = W.HTML()
        self.input_box = W.VBox()
        super().__init__(
            [
                self.prompt,
                self.input_box,
                W.HBox([self.back_button, self.next_button, self.restart_button]),
                self.message,
                self.view,
                W.HTML("<h3>Verdict for every agent</h3>"),
                self.verdicts,
                W.HTML("<h3>The tree, with this patient's path lit</h3>"),
                self.drawing,
            ]
        )
        self.next_button.on_click(self.guard(lambda _: self.submit()))
        self.back_button.on_click(self.guard(lambda _: self.go(self.step - 1, focus=True)))
        self.restart_button.on_click(self.guard(lambda _: self.restart()))
        self.view.observe(self.guard(self.render), "value")
        self.guard(self.go)(0)
        # on paper: a compact handout (the answers, who fits, each agent's reasons not met) instead of
        # the on-screen table and drawing, which printed 13 pages, most holding one agent
        self.verdicts.add_class(SCREEN_ONLY)
        self.drawing.add_class(SCREEN_ONLY)
        self._screen_headings = [c for c in self.children if isinstance(c, W.HTML) and "<h3>" in c.value]
        for heading in self._screen_headings:
            heading.add_class(SCREEN_ONLY)
        print_summary(self, "The patient's answers and the verdicts, as on screen when printed", self.printout)

    # -- flow -----------------------------------------------------------------------------
    @property
    def question(self) -> Question | None:
        return self.questions[self.step] if self.step < len(self.questions) else None

    def _asked(self) -> list[int]:
        """Positions of the questions this patient is asked (MRD only of a patient in remission)."""
        return [i for i, q in enumerate(self.questions) if q.applies(self.answers)]

    def go(self, step: int, focus: bool = False) -> None:
        """Show question `step`; one that does not apply to this patient is passed over in the
        direction of travel (its answer dropped, so a stale MRD never decides a verdict)."""
        back = step < self.step
        asked = self._asked()
        dropped = {q.field for i, q in enumerate(self.questions) if i not in asked and q.field in self.answers}
        if dropped:
            self.answers = {k: v for k, v in self.answers.items() if k not in dropped}
        step = max(0, min(step, len(self.questions)))
        if step < len(self.questions) and step not in asked:
            later = [i for i in asked if i > step]
            earlier = [i for i in asked if i < step]
            step = (earlier[-1] if earlier else asked[0]) if back else (later[0] if later else len(self.questions))
        self.step = step
        self.state = TreeState.DONE if self.step == len(self.questions) else TreeState.ASKING
        q = self.question
        if q is None:
            self.prompt.value = "All questions answered. Go back to change an answer."
            self.input_box.children = []
        else:
            unit = f" ({q.unit})" if q.unit else ""
            self.prompt.value = f"Question {asked.index(self.step) + 1} of {len(asked)}: {q.label}{unit}"
            current = self.answers.get(q.field)
            if q.options:
                self.choice.options = [*((label, key) for key, label in q.options.items()), ("Unknown", UNKNOWN)]
                self.choice.value = UNKNOWN if current is None else current
                self.choice.description = q.label
                self.input_box.children = [self.choice]
            else:
                self.number.description = q.label + unit
                self.number.value = "" if current is None else f"{current:g}"
                self.input_box.children = [self.number]
        self.next_button.disabled = q is None
        self.back_button.disabled = self.step <= asked[0]
        self.render()
        if focus:
            self.prompt.focus()

    def submit(self) -> None:
        """Record the shown answer (validated) and move to the next question."""
        q = self.question
        if q is None:
            return
        if q.options:
            raw = None if self.choice.value == UNKNOWN else self.choice.value
        else:
            text = self.number.value.strip()
            raw = None if text == "" else parse_number(q.field, text)
        checked = Answers.of(**{q.field: raw})  # raises InvalidInput naming field, value and range
        answers = dict(self.answers)
        answers[q.field] = checked.values[q.field]
        self.answers = answers
        self.go(self.step + 1, focus=True)

    def answer(self, value: Any) -> None:
        """Answer the current question as a learner would (select / type, then click)."""
        q = self.question
        if q is None:
            raise RuntimeError("no question is open")
        if q.options:
            self.choice.value = UNKNOWN if value is None else value
        else:
            self.number.value = "" if value is None else str(value)
        self.next_button.click()

    def restart(self) -> None:
        self.answers = {}
        self.go(0, focus=True)

    def progress_state(self) -> dict[str, Any]:
        return {"answers": self.answers, "step": self.step, "view": self.view.value}

    def restore_progress(self, kept: dict[str, Any]) -> None:
        """The answers given (checked again, as typed ones are), the view and the question on screen."""
        self.answers = dict(Answers.of(**kept["answers"]).values)
        self.view.value = kept["view"]
        self.go(int(kept["step"]))

    def clear_results(self) -> None:
        """Nothing to clear: the tree redraws on the next answer."""

    def printout(self) -> str:
        """The handout's text: the answers given, the view, who fits, and why each agent does not."""
        given = [
            f"{q.label}: {quantity(q.field, self.answers[q.field])}"
            for q in self.questions
            if self.answers.get(q.field) is not None
        ]
        view = "the label in force" if self.view.value == "label" else "the 2021 review"
        lines = ["Patient: " + ("; ".join(given) if given else "no answers yet"), f"Judged by {view}."]
        for v in self.results():
            word = VERDICT[v.eligible] if v.in_review or v.view == "label" else NOT_IN_REVIEW
            unmet = [r for r in v.reasons if "(not met)" in r or r.startswith("No longer")]
            needs = f" (needs: {', '.join(self._label(f) for f in v.missing)})" if v.missing else ""
            lines.append(
                f"{regimen(v.regimen_id).short_title}: {word}{needs}" + (f" - {' '.join(unmet)}" if unmet else "")
            )
        return "\n".join(lines)

    def _label(self, field: str) -> str:
        return next((q.label for q in self.questions if q.field == field), field)

    # -- drawing --------------------------------------------------------------------------
    def results(self, view: str | None = None) -> list[Verdict]:
        known = {k: v for k, v in self.answers.items() if v is not None}
        return eligibility(Answers.of(**known), view=view or self.view.value)

    def render(self, *_: Any) -> None:
        verdicts = self.results()
        asked = self.question.field if self.question else None
        boxes = []
        for v in verdicts:
            reg = regimen(v.regimen_id)
            title = f"{MARK[v.eligible]} {esc(reg.title)}"
            withdrawn = reg.withdrawn("label")
            if withdrawn is not None:
                title += " " + badge(f"WITHDRAWN {withdrawn.when()}", "withdrawn")
            boxes.append(f"<li><b>{title}</b>{_node_html(v.tree, asked)}</li>")
        self.drawing.value = (  # nested lists: a picture of the rules, not an interactive ARIA tree
            f'{CSS}<div class="alledu-tree"><ul>{"".join(boxes)}</ul>'
            "<p>✓ met · ✗ not met · ? unknown · outlined: the question on screen</p></div>"
        )
        other_view = "review" if self.view.value == "label" else "label"
        others = {v.regimen_id: v for v in self.results(other_view)}
        other_name = "the 2021 review" if other_view == "review" else "the label in force"
        rows, cites = [], []
        for v in verdicts:
            reg = regimen(v.regimen_id)
            word = VERDICT[v.eligible] if v.in_review or v.view == "label" else NOT_IN_REVIEW
            if v.eligible is not False and v.off_label:
                word += " (off-label)"
            if v.missing:
                word += " (needs: " + ", ".join(self._label(f) for f in v.missing) + ")"
            other = others[v.regimen_id]
            if other.word != v.word:
                said = VERDICT[other.eligible] if other.word != "not in the review" else NOT_IN_REVIEW
                word += f"<br><span class='alledu-cite'>By {other_name}: {said}</span>"
            why = "<ul>" + "".join(f"<li>{esc(r)}</li>" for r in v.reasons) + "</ul>"
            diffs = "".join(f"<li>{esc(d)}</li>" for d in v.differences)
            notes = "".join(f"<li>{esc(n)}</li>" for n in v.notes)
            side = (f"<ul>{diffs}</ul>" if diffs else "They agree.") + (
                f"<p>Also:</p><ul>{notes}</ul>" if notes else ""
            )
            rows.append([esc(reg.short_title), f"<b>{word}</b>", why, side, cite_tag(v.citations)])
            cites += [c for c in v.citations if c not in cites]
        # the goal of treatment is the same for every agent that may fit: said once, above the table
        goals = "".join(
            f"<p class='alledu-goal'><i>{esc(g)}</i></p>" for g in dict.fromkeys(v.goal for v in verdicts if v.goal)
        )
        self.verdicts.value = (
            f"<p class='alledu-scope'>{esc(scope_line())}</p>"
            + at_a_glance(verdicts)
            + goals
            + table(
                ["Agent", "Verdict", "Why", "The 2021 review and the label in force", "Sources"],
                rows,
                raw=True,
                cards=True,
            )
        )
        self.citations = cites
        self.summary = "\n".join(f"{v.regimen_id}: {v.word}" for v in verdicts)


def at_a_glance(verdicts: list[Verdict]) -> str:
    """One line of who fits what, before the table's reasons: 'Fits: ... · Does not fit: ... · Undecided: ...'."""
    groups: dict[str, list[str]] = {"Fits": [], "Does not fit": [], "Undecided (answer more questions)": []}
    for v in verdicts:
        name = regimen(v.regimen_id).short_title
        if v.eligible is not False and v.off_label and "off-label" not in name:  # never "(off-label) (off-label)"
            name += " (off-label)"
        key = {True: "Fits", False: "Does not fit", None: "Undecided (answer more questions)"}[v.eligible]
        groups[key].append(name)
    parts = [f"<b>{k}:</b> {esc(', '.join(names))}" for k, names in groups.items() if names]
    return f"<p class='alledu-glance' role='status'>{' · '.join(parts)}</p>"


def _node_html(node: NodeResult, asked: str | None) -> str:
    """Nested list of a verdict's rule tree; each node shows its mark, text and state."""
    state = {True: "met", False: "failed", None: "unknown"}[node.result]
    if node.kind == "check":
        current = " current" if node.field == asked else ""
        where = ' <span class="alledu-sr">(the question on screen)</span>' if current else ""
        if node.reason:
            text = esc(node.reason)
        else:
            text = esc(criterion_text(node.field, node.criterion)) if node.field and node.criterion else ""
        return f'<ul><li class="{state}{current}">{MARK[node.result]} {text}{where}</li></ul>'
    label = "all of:" if node.kind == "all" else "any one of:"
    inner = "".join(_node_html(c, asked) for c in node.children)
    return f'<ul><li class="{state}">{MARK[node.result]} <i>{label}</i>{inner}</li></ul>'
