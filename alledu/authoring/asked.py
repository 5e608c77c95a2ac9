"""A teacher's question made ready to ask: its input, its right answer (computed ones worked out
by the domain), and the marking of a learner's answer.

Why: the quiz and case lessons ask built-in and teacher questions alike; they only need what to
show, how it is answered and how an answer is marked. A computed question's answer comes from the
same code the lessons use (alledu.schedule, alledu.bsa, alledu.eligibility) when the folder
loads, so a patient the domain refuses is a problem in `alledu content check`, never a wrong
answer in class. Marking follows Moodle's rules for the GIFT kinds (weights as partial credit,
a penalty for a wrong tick), and a question counts as right only with full credit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from html import escape as html_escape
from typing import Any

from alledu.authoring.model import AUTHORING_LIMITS, Computed, Question
from alledu.authoring.text import inline_html, to_html, to_plain
from alledu.errors import ContentError, InvalidInput

TEACHER = "teacher"  # the prefix of a teacher question's id in a live class ("teacher:my_question")
YES, NO = "true", "false"
MAX_TYPED = int(AUTHORING_LIMITS["typed"])  # characters of a typed answer that are marked


@dataclasses.dataclass(frozen=True)
class Marked:
    """A marked answer: right (full credit), the credit in percent, feedback as plain text and as
    safe HTML (the teacher's formatting kept), and the regimen's safety notes for a shown dose."""

    correct: bool
    credit: float
    text: str
    html: str
    expected: Any
    cite: tuple[str, ...]
    safety: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Worked:
    """A computed answer: its value (number, date or yes/no), unit, and how it was worked out."""

    value: float | dt.date | bool
    unit: str | None
    working: str
    cite: tuple[str, ...]
    safety: tuple[str, ...] = ()
    bsa_formula: str | None = None  # a dose per m2: the formula its BSA came from (said before answering)
    reasons: tuple[str, ...] = ()  # a verdict: each criterion and whether the patient meets it


@dataclasses.dataclass(frozen=True)
class Asked:
    """One teacher question as the lessons ask it.

    `input` is how it is answered: single (one choice), multiple (tick boxes), numeric (a number
    box) or text (a text box). `options` maps answer keys to plain labels (single, multiple).
    `correct` is what the dashboard shows as right: option keys, a number, or accepted texts.
    """

    id: str
    question: Question
    input: str
    prompt: str
    prompt_html: str
    options: dict[str, str]
    correct: Any
    unit: str | None
    hint: str
    worked: Worked | None = None

    @property
    def kind(self) -> str:
        return self.input

    def mark(self, given: Any) -> Marked:
        """Mark an answer as typed or chosen; a number that does not read raises InvalidInput."""
        return _mark(self, given)

    def recorded(self, given: Any) -> Any:
        """An answer as a live class stores it: a number as a number, text cut to MAX_TYPED."""
        if self.input == "numeric":
            return _read_number(given)
        if self.input == "text":
            return str(given).strip()[:MAX_TYPED]
        return given


# ---- building ---------------------------------------------------------------------------------
def check_patient(fields: dict[str, Any]) -> Any:
    """The patient a teacher wrote, or InvalidInput naming the field: an unknown field lists the
    accepted ones (a typo such as cd19_positve must not read as a Python error)."""
    from alledu.patient import Patient, declarations

    known = declarations()
    for name in fields:
        if name not in known:
            raise InvalidInput("patient", name, "a patient field: " + ", ".join(known))
    return Patient(**fields)


def option_key(i: int) -> str:
    return f"o{i + 1}"


def ask(q: Question, qid: str, patient: dict[str, Any] | None = None) -> Asked:
    """Make `q` ready to ask; computed answers are worked out now (raises InvalidInput or
    ContentError, with the domain's message, when the domain refuses the patient or regimen)."""
    prompt, prompt_html = to_plain(q.prompt, q.format), to_html(q.prompt, q.format)
    if q.kind in ("single", "multiple"):
        options = {option_key(i): to_plain(o.text, q.format) for i, o in enumerate(q.options)}
        correct = tuple(option_key(i) for i in q.right)
        return Asked(qid, q, q.kind, prompt, prompt_html, options, correct, None, "")
    if q.kind == "truefalse":
        return Asked(
            qid, q, "single", prompt, prompt_html, {YES: "True", NO: "False"}, (YES if q.answer else NO,), None, ""
        )
    if q.kind == "numeric":
        best = max(q.numbers, key=lambda n: n.weight)
        correct = best.value if best.value is not None else ((best.min or 0) + (best.max or 0)) / 2
        return Asked(
            qid, q, "numeric", prompt, prompt_html, {}, correct, q.unit, ""
        )  # the margin is the teacher's to tell
    if q.kind == "short":
        correct = tuple(a.text for a in q.accepted if a.weight == 100)
        return Asked(qid, q, "text", prompt, prompt_html, {}, correct, None, "")
    assert q.computed is not None
    w = work_out(q.computed, patient if q.computed.patient is None else q.computed.patient)
    c = q.computed
    if isinstance(w.value, bool):
        options = {YES: "Yes, it fits", NO: "No, it does not"}
        return Asked(qid, q, "single", prompt, prompt_html, options, (YES if w.value else NO,), None, "", w)
    if isinstance(w.value, dt.date):
        hint = "a date, YYYY-MM-DD"
        return Asked(qid, q, "text", prompt, prompt_html, {}, (w.value.isoformat(),), None, hint, w)
    hint = f"accepted within ±{c.tolerance_percent:g}%" if c.tolerance_percent else "the exact value is expected"
    if w.bsa_formula:  # which BSA the dose rests on, said before answering
        hint += f"; BSA by {w.bsa_formula}"
    return Asked(qid, q, "numeric", prompt, prompt_html, {}, w.value, w.unit, hint, w)


def work_out(c: Computed, patient: dict[str, Any] | None) -> Worked:
    """The domain's answer to a computed question, with its working and sources."""
    from alledu.bsa import bsa, formula_info
    from alledu.eligibility import eligibility
    from alledu.schedule import regimen, safety_notes, schedule, timeline

    if c.ask == "cycle_start":  # the same for every patient
        reg = regimen(c.regimen or "")
        infos = timeline(reg.id, c.cycle, **c.choices)
        day = infos[c.cycle - 1].start_day
        working = f"{reg.title}: cycle {c.cycle} begins on day {day} of the course (cycle 1 day 1 is day 1)"
        if c.start is None:
            return Worked(float(day), "day of the course", working, tuple(reg.cite))
        date = c.start + dt.timedelta(days=day - 1)
        return Worked(
            date, None, f"{working}; with cycle 1 day 1 on {c.start.isoformat()}: {date.isoformat()}", tuple(reg.cite)
        )
    if patient is None:
        raise ContentError(f"ask: {c.ask} needs a patient (or to be a step of a case, which has one)")
    p = check_patient(patient)
    if c.ask == "bsa":
        f = formula_info(c.formula or _default_formula())
        if p.height_cm is None or p.weight_kg is None:
            raise ContentError("a BSA question needs the patient's height_cm and weight_kg")
        value = bsa(height_cm=p.height_cm, weight_kg=p.weight_kg, formula=c.formula)
        working = f"{f.label} formula, height {p.height_cm:g} cm, weight {p.weight_kg:g} kg: {value:.2f} m2"
        return Worked(value, "m2", working, tuple(f.cite))
    reg = regimen(c.regimen or "")
    if c.ask == "dose":
        formula = c.formula or _default_formula()
        frame = schedule(reg.id, p, cycles=c.cycle, bsa_formula=formula, **c.choices)
        rows = frame[(frame.cycle == c.cycle) & (frame.day == c.day)]
        if rows.empty:
            days = ", ".join(str(d) for d in frame[frame.cycle == c.cycle].day.unique())
            raise ContentError(f"no dose on cycle {c.cycle} day {c.day} of {reg.id} (dose days of that cycle: {days})")
        row = rows.iloc[0]
        by = str(row.bsa_formula) if row.basis == "per m2" else None
        working = f"{row.drug}, cycle {c.cycle} day {c.day}: {row.working}" + (f" (BSA by {by})" if by else "")
        safety = tuple(n.text for n in safety_notes(reg.id, p.age_years))
        return Worked(float(row.dose), reg.dose_unit, working, tuple(reg.cite), safety, by)
    verdicts = {v.regimen_id: v for v in eligibility(p, view=c.view)}
    v = verdicts[reg.id]
    if v.eligible is None:
        raise ContentError(f"the verdict for {reg.id} needs patient fields that are not given: {', '.join(v.missing)}")
    fits = bool(v.eligible and not (c.view == "label" and v.off_label))
    source = "by the label in force" if c.view == "label" else "in the 2021 review's view"
    working = f"{reg.short_title} {source}: {'fits' if fits else 'does not fit'}."
    return Worked(fits, None, working, tuple(v.citations), reasons=tuple(v.reasons))


def _default_formula() -> str:
    from alledu.content_loader import content

    return content().bsa.default


# ---- marking ------------------------------------------------------------------------------------
def _read_number(given: Any) -> float:
    from alledu.validate import read_decimal

    if isinstance(given, (int, float)) and not isinstance(given, bool):
        x: float | None = float(given)
    else:
        text = str(given).strip().removesuffix("%").strip()
        x = read_decimal(text) if len(text) <= MAX_TYPED else None
    if x is None or not math.isfinite(x) or abs(x) > AUTHORING_LIMITS["number"]:
        raise InvalidInput("answer", str(given).strip()[:MAX_TYPED], "a number like 5.2", "type a number")
    return x


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _like(accepted: str, typed: str) -> bool:
    """Moodle's short-answer match: case and spacing ignored, `*` stands for any characters."""
    pattern = ".*".join(re.escape(part) for part in _norm(accepted).split("*"))
    return re.fullmatch(pattern, typed, re.DOTALL) is not None


def _verdict(credit: float) -> str:
    if credit >= 100 - 1e-9:
        return "Correct"
    if credit > 0:
        return f"Partly right ({credit:g}% of the mark)"
    return "Not quite"


def _mark(a: Asked, given: Any) -> Marked:
    q = a.question
    fmt = q.format
    notes: list[tuple[str, str]] = []  # (plain, html) feedback pieces, in order
    expected: Any = a.correct
    if q.kind == "computed":
        return _mark_computed(a, given)
    if q.kind == "single":
        i = int(str(given)[1:]) - 1 if str(given) in a.options else -1
        credit = q.options[i].weight if i >= 0 else 0.0
        if i >= 0 and q.options[i].feedback:
            notes.append((to_plain(q.options[i].feedback, fmt), inline_html(q.options[i].feedback, fmt)))
        right = "; ".join(a.options[k] for k in a.correct)
        head = f"{_verdict(credit)}: {right}."
    elif q.kind == "multiple":
        got = {str(k) for k in (given or ()) if str(k) in a.options}
        credit = max(0.0, min(100.0, sum(q.options[int(k[1:]) - 1].weight for k in got)))
        wanted = set(a.correct)
        if got == wanted:
            credit = 100.0
        for i, o in enumerate(q.options):
            if option_key(i) in got and o.feedback:
                notes.append((to_plain(o.feedback, fmt), inline_html(o.feedback, fmt)))
        names = "; ".join(a.options[k] for k in a.options if k in wanted)
        head = f"{_verdict(credit)}: {names}."
        missed = [a.options[k] for k in a.options if k in wanted - got]
        wrong = [a.options[k] for k in a.options if k in got - wanted]
        if missed and credit < 100:
            head += " You missed: " + "; ".join(missed) + "."
        if wrong and credit < 100:
            head += " Not correct: " + "; ".join(wrong) + "."
    elif q.kind == "truefalse":
        said = str(given) == YES
        credit = 100.0 if said == q.answer else 0.0
        fb = q.feedback_true if said else q.feedback_false
        if fb:
            notes.append((to_plain(fb, fmt), inline_html(fb, fmt)))
        head = f"{_verdict(credit)}: the statement is {'true' if q.answer else 'false'}."
    elif q.kind == "numeric":
        x = _read_number(given)
        hits = [n for n in q.numbers if n.accepts(x)]
        best = max(hits, key=lambda n: n.weight, default=None)
        credit = max(0.0, best.weight) if best else 0.0
        fb = best.feedback if best else q.wrong_feedback
        if fb:
            notes.append((to_plain(fb, fmt), inline_html(fb, fmt)))
        head = f"{_verdict(credit)}: {_number_text(q)}."
    else:  # short
        typed = _norm(str(given))[:MAX_TYPED]
        hits = [h for h in q.accepted if _like(h.text, typed)]
        best = max(hits, key=lambda h: h.weight, default=None)
        credit = max(0.0, best.weight) if best else 0.0
        if best and best.feedback:
            notes.append((to_plain(best.feedback, fmt), inline_html(best.feedback, fmt)))
        right = " or ".join(f"“{h.text}”" for h in q.accepted if h.weight == 100)
        head = f"{_verdict(credit)}: {right}."
    if q.feedback:
        notes.append((to_plain(q.feedback, fmt), inline_html(q.feedback, fmt)))
    return _marked(credit, head, notes, expected, q)


def _number_text(q: Question) -> str:
    n = max(q.numbers, key=lambda n: n.weight)
    unit = f" {q.unit}" if q.unit else ""
    if n.value is None:
        return f"from {n.min:g} to {n.max:g}{unit}"
    return f"{n.value:g}{unit}" + (f" (±{n.tolerance:g})" if n.tolerance else "")


def _mark_computed(a: Asked, given: Any) -> Marked:
    from alledu.exercises import within

    q, w = a.question, a.worked
    assert w is not None and q.computed is not None
    if isinstance(w.value, bool):
        credit = 100.0 if (str(given) == YES) == w.value else 0.0
        head = f"{_verdict(credit)}: {w.working}"
        # the criteria one per line, as the eligibility lesson lists them (one paragraph was hard to read)
        listed = "".join(f"<li>{html_escape(r)}</li>" for r in w.reasons)
        notes = [(" ".join(w.reasons), f"<ul class='alledu-reasons'>{listed}</ul>")] if w.reasons else []
        notes += [(to_plain(q.feedback, q.format), inline_html(q.feedback, q.format))] if q.feedback else []
        return _marked(credit, head, notes, a.correct, q, w.cite)
    elif isinstance(w.value, dt.date):
        from alledu.validate import date

        typed = date("answer", str(given).strip()[:MAX_TYPED])
        credit = 100.0 if typed == w.value else 0.0
        head = f"{_verdict(credit)}: {w.value.isoformat()}. {w.working}."
    else:
        x = _read_number(given)
        credit = 100.0 if within(x, float(w.value), q.computed.tolerance_percent) else 0.0
        head = f"{_verdict(credit)}: {float(w.value):.2f} {w.unit} ({a.hint}). {w.working}."
    notes = [(to_plain(q.feedback, q.format), inline_html(q.feedback, q.format))] if q.feedback else []
    m = _marked(credit, head, notes, a.correct, q, w.cite)
    return dataclasses.replace(m, safety=w.safety)


def _marked(
    credit: float, head: str, notes: list[tuple[str, str]], expected: Any, q: Question, cite: tuple[str, ...] = ()
) -> Marked:
    from html import escape

    text = " ".join([head, *(p for p, _ in notes)])
    html = escape(head) + "".join(f"<div class='alledu-teacher-feedback'>{h}</div>" for _, h in notes)
    if q.source:
        text += f" Source: {q.source}"
        html += f"<div class='alledu-cite'>Source: {escape(q.source)}</div>"
    return Marked(credit >= 100 - 1e-9, credit, text, html, expected, tuple(dict.fromkeys([*cite, *q.cite])))
