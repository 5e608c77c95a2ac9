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
    kind: str  # single | multiple | numeric
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


@functools.cache
def catalog() -> dict[str, QuestionInfo]:
    """Every quiz question and case step a class can answer, by question id."""
    out: dict[str, QuestionInfo] = {}
    for q in E.question_bank().questions:
        if q.kind == "numeric":
            correct: Any = E.numeric_answer(q)
        else:
            correct = (q.correct,) if isinstance(q.correct, str) else tuple(q.correct or ())
        out[q.id] = QuestionInfo(q.id, QUIZ_LESSON, "Quiz", q.prompt, q.kind, dict(q.options), correct, q.unit)
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


def summarize(rows: Iterable[AnswerRow]) -> list[QuestionStats]:
    """Per question: learners who answered, how many wrong, and the answer distribution.

    Ordered by how many got it wrong (most first), then by how many answered.
    """
    known = catalog()
    by_question: dict[str, list[AnswerRow]] = {}
    for (question, _), row in latest(rows).items():
        by_question.setdefault(question, []).append(row)
    stats = []
    for question, answers in by_question.items():
        info = known.get(question)
        counts: Counter[str] = Counter()
        right: set[str] = set()
        for row in answers:
            label = info.label(row.value()) if info else number_label(row.value())
            counts[label] += 1
            if row.correct:
                right.add(label)
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


def to_records(rows: Iterable[AnswerRow]) -> list[dict[str, Any]]:
    """Rows for export: the answer decoded from JSON, correct as true/false."""
    return [
        {
            "class": r.class_code,
            "learner": r.learner,
            "nickname": r.nickname,
            "lesson": r.lesson,
            "question": r.question,
            "answer": r.value(),
            "correct": r.correct,
            "answered_at": r.answered_at,
        }
        for r in rows
    ]


CSV_COLUMNS = ("class", "learner", "nickname", "lesson", "question", "answer", "correct", "answered_at")


def to_csv(rows: Iterable[AnswerRow]) -> str:
    """One line per answer; a multiple-choice answer is its option ids joined by '|'."""
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


def to_json(rows: Iterable[AnswerRow]) -> str:
    return json.dumps(to_records(rows), indent=2)
