"""Self-check quiz and case scenarios: one question at a time, immediate feedback.

Why: retrieval with feedback is how facts stick. Both widgets are explicit state machines
(ANSWERING -> CHECKED -> ... -> FINISHED) over pure checking code in alledu.exercises, so
they are tested by setting values and clicking, without a browser.
"""

from __future__ import annotations

import enum
from typing import Any

import ipywidgets as W
import traitlets as T

from alledu import exercises as E
from alledu.authoring.asked import Asked, Marked
from alledu.authoring.folder import TeacherCase, case_facts
from alledu.eligibility import field_label, quantity
from alledu.live.summary import CASE_LESSON, QUIZ_LESSON, step_id
from alledu.widgets.common import CSS, LABEL_STYLE, LessonPanel, cite_tag, esc
from alledu.widgets.live import JoinBox
from alledu.widgets.radio import RadioGroup


def _fact(field: str, value: Any) -> str:
    """A patient fact as a learner reads it: 'Philadelphia chromosome: Ph-negative', 'Weight: 80 kg'."""
    return f"{field_label(field)[0]}: {quantity(field, value)}"


def teacher_prompt(q: Asked, mark: bool = True) -> str:
    """A teacher's question: marked as theirs, their formatting kept (made safe), and how a typed
    answer is read (a date's form, a computed number's margin)."""
    badge = "<span class='alledu-teacher-mark'>Your teacher's question</span>" if mark else ""
    hint = f"<p><i>({esc(q.hint)})</i></p>" if q.hint else ""
    return f"<div class='alledu-teacher'>{badge}<div class='alledu-teacher-prompt'>{q.prompt_html}</div>{hint}</div>"


class State(enum.Enum):
    """ANSWERING: a question waits. CHECKED: feedback shown. FINISHED: all done, score shown."""

    ANSWERING = "answering"
    CHECKED = "checked"
    FINISHED = "finished"


NONE_OF_THESE = E.NONE_OF_THESE


class AnswerInput(W.VBox):
    """The right control for a question: radio buttons, checkboxes or a number box.

    Tick boxes end with "None of these": an empty set can be the right answer (a patient with no
    favourable factor), and it must be chosen, not left blank by mistake and marked.
    """

    def show(self, kind: str, options: list[tuple[str, str]], label: str, unit: str | None = None) -> None:
        self.kind = kind
        if kind in ("single",):
            self.radio = RadioGroup(options=options, value=None, layout=W.Layout(width="auto"))
            self.radio.tooltip = label
            self.children = [self.radio]
        elif kind == "multiple":
            self.boxes = {key: W.Checkbox(description=text, indent=False, value=False) for text, key in options}
            self.none = W.Checkbox(description=NONE_OF_THESE, indent=False, value=False)
            for box in self.boxes.values():  # ticking an answer clears "None of these", and the reverse
                box.observe(lambda ch: ch["new"] and self.none.set_trait("value", False), "value")
            self.none.observe(
                lambda ch: ch["new"] and [b.set_trait("value", False) for b in self.boxes.values()], "value"
            )
            self.none.add_class("alledu-none-of-these")
            self.children = [
                W.HTML(f"<i>Tick every answer that applies, or “{NONE_OF_THESE}”.</i>"),
                *self.boxes.values(),
                self.none,
            ]
        else:
            self.number = W.Text(description=f"Your answer ({unit})" if unit else "Your answer", style=LABEL_STYLE)
            self.children = [self.number]

    def value(self) -> Any:
        """The answer, or None when nothing is chosen yet (tick boxes: neither an answer nor "None of these")."""
        if self.kind == "single":
            return self.radio.value
        if self.kind == "multiple":
            ticked = [k for k, box in self.boxes.items() if box.value]
            return ticked if ticked or self.none.value else None
        return self.number.value.strip()

    def set(self, value: Any) -> None:
        if self.kind == "single":
            self.radio.value = value
        elif self.kind == "multiple":
            for k, box in self.boxes.items():
                box.value = k in set(value)
            self.none.value = not value
        else:
            self.number.value = str(value)

    def lock(self, locked: bool) -> None:
        for child in self.children:
            if hasattr(child, "disabled"):
                child.disabled = locked


class Stepper(LessonPanel):
    """Shared flow: prompt, input, Check, Next, feedback, score."""

    state = T.UseEnum(State, default_value=State.ANSWERING)
    index = T.Int(0)
    score = T.Int(0)
    finish_focus: W.DOMWidget  # where keyboard focus goes after the last question or step

    def _build(self, extra: list[W.Widget]) -> None:
        self.progress = W.Label(tabbable=False)  # focused on each new question (keyboard users land there)
        self.progress.add_class("alledu-question")
        self.prompt = W.HTML()
        self.input = AnswerInput()
        self.check_button = W.Button(description="Check answer", button_style="primary")
        self.next_button = W.Button(description="Next ▶")
        self.feedback = W.HTML()
        self.message = W.HTML()
        self.scoreline = W.HTML()
        self.join = JoinBox()  # live class (optional): answers also go to the teacher's dashboard
        self.children = [
            self.join,
            *extra,
            self.progress,
            self.prompt,
            self.input,
            W.HBox([self.check_button, self.next_button]),
            self.message,
            self.feedback,
            self.join.receipt,
            self.scoreline,
        ]
        # a browser can send a click event for a disabled button: it must change nothing
        self.check_button.on_click(self.guard(lambda b: None if b.disabled else self.check()))
        self.observe(lambda _: self.join.receipt.set_trait("value", ""), "index")  # a receipt belongs to one answer
        self.next_button.on_click(self.guard(lambda b: None if b.disabled else self.advance()))

    def answer(self, value: Any) -> None:
        """Answer as a learner would: fill the control, click Check."""
        self.input.set(value)
        self.check_button.click()

    def _show_feedback(self, fb: E.Feedback | Marked) -> None:
        css = "alledu-ok" if fb.correct else "alledu-warn"
        partly = isinstance(fb, Marked) and 0 < fb.credit < 100
        mark = "✓" if fb.correct else "◐" if partly else "✗"
        safety = "".join(f"<li>{esc(t)}</li>" for t in fb.safety)
        safety = (
            f'<div class="alledu-safety" role="note"><b>⚠ Safety notes</b><ul>{safety}</ul></div>' if safety else ""
        )
        body = fb.html if isinstance(fb, Marked) else esc(fb.text)  # a teacher's feedback: their safe formatting
        self.feedback.value = f'<div class="{css}" role="status">{mark} {body} {cite_tag(fb.cite)}</div>{safety}'

        self.score += int(fb.correct)
        self.record.append((self._prompt_text(), fb.correct, fb.text))
        self.citations = list(dict.fromkeys([*self.citations, *fb.cite]))
        self.state = State.CHECKED
        self.input.lock(True)
        self.check_button.disabled = True
        self.next_button.disabled = False
        self.next_button.focus()  # the Check button just got disabled: focus would fall to the page body

    def advance(self) -> None:
        """Next question or step (both flows share it); `_show` draws it or the final score."""
        self.index += 1
        self._show()
        (self.finish_focus if self.state is State.FINISHED else self.progress).focus()

    def _show(self) -> None:
        raise NotImplementedError

    def _unanswered(self, given: Any) -> bool:
        """A choice checked with nothing chosen: ask, do not mark (the step stays open)."""
        if given is None and self.input.kind in ("single", "multiple"):
            ask = "Choose an answer first." if self.input.kind == "single" else f"Tick an answer, or “{NONE_OF_THESE}”."
            self.message.value = f'<div class="alledu-warn" role="status">{ask}</div>'
            return True
        if self.input.kind == "text" and not given:
            self.message.value = '<div class="alledu-warn" role="status">Type an answer first.</div>'
            return True
        self.message.value = ""
        return False

    def _prompt_text(self) -> str:
        """The question on screen, as plain text (for the end-of-set review)."""
        return ""

    def _review_html(self, only_missed: bool) -> str:
        """What the learner answered: every step (cases) or the missed questions (quiz), with the right answer."""
        items = [(p, ok, t) for p, ok, t in self.record if not (only_missed and ok)]
        if not items:
            return "<p>Nothing missed.</p>" if only_missed else ""
        heading = "Questions to look at again" if only_missed else "Your steps"
        lis = "".join(f"<li>{'✓' if ok else '✗'} <b>{esc(p)}</b><br>{esc(t)}</li>" for p, ok, t in items)
        return f"<h4>{heading}</h4><ol class='alledu-review'>{lis}</ol>"

    def _finish(self, title: str, summary: str, scoreline: str, review: str = "") -> None:
        self.state = State.FINISHED
        self.prompt.value = f"<h3>{esc(title)}</h3>"
        self.input.children = []
        self.check_button.disabled = self.next_button.disabled = True
        self.summary = summary
        self.scoreline.value = f"<p><b>{esc(scoreline)}</b></p>{review}"

    def _ready(self) -> None:
        self.feedback.value = ""
        self.state = State.ANSWERING
        self.input.lock(False)
        self.check_button.disabled = False
        self.next_button.disabled = True


class Quiz(Stepper):
    """Lesson 06: the question bank in a seeded shuffled order; score; retry with a new order."""

    seed = T.Int(0)

    def __init__(self, seed: int = 1) -> None:
        super().__init__()
        self.retry_button = self.finish_focus = W.Button(description="Retry (new order)")
        self.retry_button.on_click(self.guard(lambda _: self.restart(self.seed + 1, focus=True)))
        self._build([W.HTML(CSS)])
        self.children = [*self.children, self.retry_button]
        self.guard(self.restart)(seed)

    def restart(self, seed: int, focus: bool = False) -> None:
        self.seed = seed
        self.questions = E.quiz_items(seed)
        self.score = 0
        self.index = 0
        self.record = []
        self._show()
        if focus:
            self.progress.focus()

    def _prompt_text(self) -> str:
        return self.questions[self.index].prompt

    def refresh_content(self) -> None:
        """Called when the page opens (alledu.widgets.progress): a kernel preheated before the
        teacher edited their folder asks again, so every learner gets the questions as they are now."""
        fresh = E.quiz_items(self.seed)
        if len(fresh) != len(self.questions) or any(a is not b for a, b in zip(fresh, self.questions, strict=True)):
            self.restart(self.seed)

    def progress_state(self) -> dict[str, Any]:
        """What a reload needs: the order, how far, the score and the answers so far."""
        ids = [q.id for q in self.questions]
        return {"seed": self.seed, "ids": ids, "score": self.score, "record": self.record}

    def restore_progress(self, kept: dict[str, Any]) -> None:
        """Back at the first question not yet checked, with the score and review as they were."""
        self.restart(int(kept["seed"]))
        if [q.id for q in self.questions] != kept["ids"]:
            raise ValueError("the question bank changed")
        self.record = [tuple(r) for r in kept["record"]][: len(self.questions)]
        self.score = min(int(kept["score"]), len(self.record))
        self.index = len(self.record)
        self._show()

    def _show(self) -> None:
        total = len(self.questions)
        if self.index >= total:
            self.progress.value = f"All {total} questions answered · final score {self.score} / {total}"
            self._finish(
                "Finished",
                f"score {self.score}/{total}",
                f"Final score: {self.score} / {total}. Retry for a new order.",
                self._review_html(only_missed=True),
            )
            return
        q = self.questions[self.index]
        self.progress.value = f"Question {self.index + 1} of {total} · score so far {self.score}"
        if isinstance(q, Asked):
            self.prompt.value = teacher_prompt(q)
        else:
            tol = f" <i>({E.tolerance_words(q.tolerance_percent)})</i>" if q.kind == "numeric" else ""
            self.prompt.value = f"<p><b>{esc(q.prompt)}</b>{tol}</p>"
        options = [(q.options[k], k) for k in E.option_order(q, self.seed)]
        self.input.show(q.kind, options, q.prompt, q.unit)
        self._ready()
        self.summary = f"question {self.index + 1}/{total}: {q.id}"

    def check(self) -> None:
        q = self.questions[self.index]
        given = self.input.value()
        if self._unanswered(given):
            return
        fb = q.mark(given) if isinstance(q, Asked) else E.check_question(q, given)
        self._show_feedback(fb)
        kept = q.recorded(given) if isinstance(q, Asked) else E.recorded(q.kind, given, q.unit)
        self.join.record(QUIZ_LESSON, q.id, kept, fb.correct)
        self.summary = (
            f"question {self.index + 1}/{len(self.questions)}: {q.id}: {'correct' if fb.correct else 'wrong'}"
        )
        self.scoreline.value = f"<p>Score: {self.score} / {self.index + 1}</p>"

    @property
    def current(self) -> E.Question | Asked:
        return self.questions[self.index]


class CaseScenario(Stepper):
    """Lesson 05: pick a vignette, then answer its steps one by one with feedback."""

    def __init__(self, scenario_id: str | None = None) -> None:
        super().__init__()
        options = self._options()
        self.picker = W.Dropdown(
            options=options,
            value=scenario_id or options[0][1],
            description="Case",
            style=LABEL_STYLE,
        )
        self.vignette = W.HTML()
        self.retry_button = W.Button(description="Try this case again", tooltip="Start this case from step 1")
        self.retry_button.on_click(self.guard(lambda _: self.start()))
        self.finish_focus = self.retry_button  # after the last step: try again, or pick another case
        self._build([W.HTML(CSS), self.picker, self.vignette])
        self.children = [*self.children, self.retry_button]
        self.picker.observe(self.guard(lambda _: self.start()), "value")
        self.guard(self.start)()

    @property
    def scenario(self) -> E.Scenario | TeacherCase:
        return E.case_item(self.picker.value)

    @staticmethod
    def _options() -> list[tuple[str, str]]:
        return [
            (f"Your teacher's case: {s.title}" if isinstance(s, TeacherCase) else s.title, s.id) for s in E.case_items()
        ]

    def refresh_content(self) -> None:
        """Called when the page opens: the cases as the teacher's folder holds them now (a kernel
        preheated before an edit would show the old list and the old steps)."""
        options = self._options()
        if options != list(self.picker.options):
            keep = self.picker.value if self.picker.value in {v for _, v in options} else options[0][1]
            with self.picker.hold_trait_notifications():
                self.picker.options = options
                self.picker.value = keep
        if self._shown is not self.scenario:
            self.start()

    def start(self) -> None:
        s = self._shown = self.scenario
        if isinstance(s, TeacherCase):
            mark = "<p class='alledu-teacher-mark'>Your teacher's case</p>"
            self.vignette.value = (
                f"{mark}<blockquote>{s.vignette_html}</blockquote><p class='alledu-cite'>{esc(case_facts(s))}</p>"
            )
        else:
            facts = ", ".join(_fact(k, v) for k, v in s.patient.items())
            self.vignette.value = f"<blockquote>{esc(s.vignette)}</blockquote><p class='alledu-cite'>{esc(facts)}</p>"
        self.index = 0
        self.score = 0
        self.record = []
        self.citations = []
        self._show()

    def _prompt_text(self) -> str:
        return self.scenario.steps[self.index].prompt

    def progress_state(self) -> dict[str, Any]:
        return {"scenario": self.picker.value, "score": self.score, "record": self.record}

    def restore_progress(self, kept: dict[str, Any]) -> None:
        """The same case, at the first step not yet checked, with the steps answered listed."""
        if self.picker.value != kept["scenario"]:
            self.picker.value = kept["scenario"]  # starts the case (its observer)
        self.start()
        self.record = [tuple(r) for r in kept["record"]][: len(self.scenario.steps)]
        self.score = min(int(kept["score"]), len(self.record))
        self.index = len(self.record)
        self._show()

    def _show(self) -> None:
        s = self.scenario
        total = len(s.steps)
        if self.index >= total:
            self.progress.value = f"All {total} steps answered · {self.score} of {total} right"
            self._finish(
                "Case complete",
                f"{s.id}: score {self.score}/{total}",
                f"{self.score} of {total} steps right. Try it again below, or pick another case above.",
                self._review_html(only_missed=False),
            )
            return
        step = s.steps[self.index]
        self.progress.value = f"Step {self.index + 1} of {total}"
        if isinstance(step, Asked):
            self.prompt.value = teacher_prompt(step, mark=False)
            self.input.show(step.input, [(label, key) for key, label in step.options.items()], step.prompt, step.unit)
        else:
            self.prompt.value = f"<p><b>{esc(step.prompt)}</b></p>"
            kind = E.input_kind(step)
            unit = E.step_unit(step)
            options = [(label, key) for key, label in E.step_options(s, step).items()]
            self.input.show(kind, options, step.prompt, unit)
        self._ready()
        self.scoreline.value = ""
        self.summary = f"{s.id}: step {self.index + 1}/{total}: {step.kind}"

    def check(self) -> None:
        s = self.scenario
        step = s.steps[self.index]
        given = self.input.value()
        if self._unanswered(given):
            return
        if isinstance(step, Asked):
            fb: E.Feedback | Marked = step.mark(given)
            kept = step.recorded(given)
        else:
            assert isinstance(s, E.Scenario)
            fb = E.check_step(s, step, given)
            kept = E.recorded(E.input_kind(step), given, E.step_unit(step))
        self._show_feedback(fb)
        qid = step.id if isinstance(step, Asked) else step_id(s.id, self.index)  # a teacher's step: its own id
        self.join.record(CASE_LESSON, qid, kept, fb.correct)
        self.summary = f"{s.id}: step {self.index + 1}: {'correct' if fb.correct else 'wrong'}"
