"""What the teacher's dashboard shows: each question's answers, counted and labelled.

Why: the store keeps raw answers (option ids, typed numbers); the dashboard needs the
question text, option labels and the right answer, which live in the quiz and case content.
They are looked up here from alledu.exercises, so no question text is copied anywhere.
Each learner counts once per question, with their latest answer (a learner who retries
after the teacher's explanation moves to their new answer).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from alledu import exercises as E
from alledu.authoring.folder import teacher_content
from alledu.live.store import AnswerRow

QUIZ_LESSON = "06_self_check_quiz"
CASE_LESSON = "05_case_scenarios"
NONE_TICKED = "(none ticked)"


@dataclasses.dataclass(frozen=True)
class QuestionInfo:
    id: str
    lesson: str
    title: str
    prompt: str
    kind: str  # single | multiple | numeric | text (a teacher's short answer or date)
    options: dict[str, str]
    correct: Any  # option ids (a tuple) or the expected number
    unit: str | None = None

    def label(self, value: Any) -> str:
        """A recorded answer as the learner saw it."""
        if self.kind == "single":
            return self.options.get(str(value), str(value))
        if self.kind == "multiple":
            chosen = set(value or ())
            return " + ".join(text for key, text in self.options.items() if key in chosen) or NONE_TICKED
        return number_label(value)

    def correct_label(self) -> str:
        if self.kind == "numeric":
            unit = f" {self.unit}" if self.unit else ""
            return f"{float(self.correct):.2f}{unit}"
        return self.label(self.correct if self.kind == "multiple" else self.correct[0])


def number_label(value: Any) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def step_id(scenario_id: str, index: int) -> str:
    """The question id of a case step (index from 0), e.g. '01_adult.../step-2'."""
    return f"{scenario_id}/step-{index + 1}"


def catalog() -> dict[str, QuestionInfo]:
    """Every quiz question and case step a class can answer, by question id: the built-in ones
    and the teacher's ($ALLEDU_CONTENT: `alledu serve --content DIR`, `alledu class ... --content DIR`)."""
    return {**_builtin_catalog(), **_teacher_catalog()}


def _teacher_catalog() -> dict[str, QuestionInfo]:
    """The teacher's questions and case steps, titled as theirs."""
    folder = teacher_content()
    out: dict[str, QuestionInfo] = {}
    if folder is None:
        return out
    for n, a in enumerate(folder.questions, start=1):
        title = f"Teacher's question {n}" + (f": {a.question.title}" if a.question.title else "")
        out[a.id] = QuestionInfo(a.id, QUIZ_LESSON, title, a.prompt, a.input, dict(a.options), a.correct, a.unit)
    for c in folder.cases:
        for i, a in enumerate(c.steps):
            title = f"{c.title} (teacher's case), step {i + 1}"
            out[a.id] = QuestionInfo(a.id, CASE_LESSON, title, a.prompt, a.input, dict(a.options), a.correct, a.unit)
    return out


@functools.cache
def _builtin_catalog() -> dict[str, QuestionInfo]:
    """Every built-in quiz question and case step, by question id."""
    out: dict[str, QuestionInfo] = {}
    for n, q in enumerate(E.question_bank().questions, start=1):
        if q.kind == "numeric":
            correct: Any = E.numeric_answer(q)
        else:
            correct = (q.correct,) if isinstance(q.correct, str) else tuple(q.correct or ())
        title = f"Quiz question {n}"  # its place in the bank, not its id (learners see them shuffled)
        out[q.id] = QuestionInfo(q.id, QUIZ_LESSON, title, q.prompt, q.kind, dict(q.options), correct, q.unit)
    for s in E.scenarios():
        for i, step in enumerate(s.steps):
            kind = E.input_kind(step)
            expected = E.step_answer(s, step)
            correct = expected if kind == "numeric" else tuple([expected] if isinstance(expected, str) else expected)
            qid = step_id(s.id, i)
            title = f"{s.title}, step {i + 1}"
            options = E.step_options(s, step)
            out[qid] = QuestionInfo(qid, CASE_LESSON, title, step.prompt, kind, options, correct, E.step_unit(step))
    return out


@dataclasses.dataclass(frozen=True)
class Bar:
    label: str
    count: int
    correct: bool


@dataclasses.dataclass(frozen=True)
class QuestionStats:
    id: str
    info: QuestionInfo | None
    answered: int
    wrong: int
    bars: tuple[Bar, ...]

    @property
    def title(self) -> str:
        return self.info.title if self.info else self.id


def latest(rows: Iterable[AnswerRow]) -> dict[tuple[str, str], AnswerRow]:
    """Each learner's latest answer to each question."""
    out: dict[tuple[str, str], AnswerRow] = {}
    for row in sorted(rows, key=lambda r: r.id):
        out[(row.question, row.learner)] = row
    return out


def _by_question(rows: Iterable[AnswerRow]) -> dict[str, list[AnswerRow]]:
    """Each question's answers, one per learner (their latest)."""
    out: dict[str, list[AnswerRow]] = {}
    for (question, _), row in latest(rows).items():
        out.setdefault(question, []).append(row)
    return out


def _tally(info: QuestionInfo | None, answers: list[AnswerRow]) -> tuple[Counter[str], set[str]]:
    """How many gave each answer (as the learner saw it), and which of those answers were right."""
    counts: Counter[str] = Counter()
    right: set[str] = set()
    for row in answers:
        label = info.label(row.value()) if info else number_label(row.value())
        counts[label] += 1
        if row.correct:
            right.add(label)
    return counts, right


def summarize(rows: Iterable[AnswerRow]) -> list[QuestionStats]:
    """Per question: learners who answered, how many wrong, and the answer distribution.

    Ordered by how many got it wrong (most first), then by how many answered.
    """
    known = catalog()
    stats = []
    for question, answers in _by_question(rows).items():
        info = known.get(question)
        counts, right = _tally(info, answers)
        if info is not None and info.kind == "single":
            order = [info.label(k) for k in info.options] + sorted(set(counts) - {info.label(k) for k in info.options})
            if info.correct:
                right.add(info.label(info.correct[0]))
        else:
            order = [label for label, _ in counts.most_common()]
        bars = tuple(Bar(label, counts.get(label, 0), label in right) for label in order)
        wrong = sum(1 for row in answers if not row.correct)
        stats.append(QuestionStats(question, info, len(answers), wrong, bars))
    return sorted(stats, key=lambda s: (-s.wrong, -s.answered, s.id))


@dataclasses.dataclass(frozen=True)
class Option:
    """One answer on the projector: its text, how many chose it and what share of those who answered."""

    label: str
    count: int
    percent: int
    correct: bool


@dataclasses.dataclass(frozen=True)
class Slide:
    """One question as present mode shows it: every option (zero included), counted."""

    id: str
    title: str
    prompt: str
    kind: str
    answered: int
    options: tuple[Option, ...]
    right: str


NONE_OF_THESE = E.NONE_OF_THESE


def _share(count: int, answered: int) -> int:
    """Percent of those who answered, whole."""
    return round(100 * count / answered) if answered else 0


def slides(rows: Iterable[AnswerRow]) -> list[Slide]:
    """The answered questions in the content's order (quiz bank, then each case's steps), each
    learner counted once with their latest answer. Single choice: every option; multiple choice:
    every option with the learners who ticked it (shares add up to more than 100%) and "None of
    these"; numbers: each value given, most frequent first."""
    known = catalog()
    by_question = _by_question(rows)
    order = [q for q in known if q in by_question] + sorted(set(by_question) - set(known))
    out = []
    for qid in order:
        answers, info = by_question[qid], known.get(qid)
        n = len(answers)
        if info is not None and info.kind in ("single", "multiple"):
            counts: Counter[str] = Counter()
            for row in answers:
                value = row.value()
                chosen = {str(value)} if info.kind == "single" else {str(v) for v in value or ()}
                counts.update(chosen or {NONE_OF_THESE})
            options = [
                Option(text, counts[k], _share(counts[k], n), k in info.correct) for k, text in info.options.items()
            ]
            if info.kind == "multiple":
                nothing = counts[NONE_OF_THESE]
                options.append(Option(NONE_OF_THESE, nothing, _share(nothing, n), not info.correct))
            right = info.correct_label() if info.correct else NONE_OF_THESE
        else:
            values, right_values = _tally(info, answers)
            options = [Option(label, c, _share(c, n), label in right_values) for label, c in values.most_common()]
            right = info.correct_label() if info else ""
        title = info.title if info else qid
        out.append(Slide(qid, title, info.prompt if info else qid, info.kind if info else "", n, tuple(options), right))
    return out


def to_records(rows: Iterable[AnswerRow]) -> list[dict[str, Any]]:
    """Rows for export: the answer decoded from JSON, correct as true/false, and what a reader
    needs beside the ids: the question's text, the chosen option's text, the right answer."""
    known = catalog()
    out = []
    for r in rows:
        info = known.get(r.question)
        value = r.value()
        out.append(
            {
                "class": r.class_code,
                "nickname": r.nickname,
                "learner": r.learner,
                "lesson": r.lesson,
                "question": r.question,
                "question_text": f"{info.title}: {info.prompt}" if info else r.question,
                "answer": value,
                "answer_text": info.label(value) if info else number_label(value),
                "correct": r.correct,
                "right_answer": info.correct_label() if info else "",
                "answered_at": r.answered_at,
            }
        )
    return out


CSV_COLUMNS = (
    "class",
    "nickname",
    "learner",
    "lesson",
    "question",
    "question_text",
    "answer",
    "answer_text",
    "correct",
    "right_answer",
    "answered_at",
)


def to_csv(rows: Iterable[AnswerRow]) -> str:
    """One line per answer, readable: question and option texts beside their ids ('|' joins a
    multiple-choice answer's ids), correct as yes/no."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for rec in to_records(rows):
        answer = rec["answer"]
        rec["answer"] = "|".join(map(str, answer)) if isinstance(answer, list) else answer
        rec["correct"] = "yes" if rec["correct"] else "no"
        writer.writerow(rec)
    return buf.getvalue()


GRADEBOOK_COLUMNS = (
    "nickname",
    "learner",
    "quiz_answered",
    "quiz_right",
    "case_steps_answered",
    "case_steps_right",
    "answered",
    "right",
    "score_percent",
)


def gradebook(rows: Iterable[AnswerRow]) -> list[dict[str, Any]]:
    """One row per learner, from each learner's latest answer to each question (as the dashboard
    counts): what a spreadsheet or an LMS grade import reads. Ordered by nickname."""
    per: dict[str, dict[str, Any]] = {}
    for (_question, learner), row in latest(rows).items():
        rec = per.setdefault(
            learner, {"nickname": row.nickname, "learner": learner, **{k: 0 for k in GRADEBOOK_COLUMNS[2:-1]}}
        )
        rec["nickname"] = row.nickname or rec["nickname"]
        part = "quiz" if row.lesson == QUIZ_LESSON else "case_steps"
        rec[f"{part}_answered"] += 1
        rec[f"{part}_right"] += int(row.correct)
        rec["answered"] += 1
        rec["right"] += int(row.correct)
    for rec in per.values():
        rec["score_percent"] = round(100 * rec["right"] / rec["answered"]) if rec["answered"] else 0
    return sorted(per.values(), key=lambda r: (r["nickname"].casefold() or "\uffff", r["learner"]))


def gradebook_csv(rows: Iterable[AnswerRow]) -> str:
    """The gradebook as CSV (header row, one line per learner)."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=GRADEBOOK_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(gradebook(rows))
    return buf.getvalue()


def to_json(rows: Iterable[AnswerRow]) -> str:
    return json.dumps(to_records(rows), indent=2)
