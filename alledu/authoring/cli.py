"""`alledu content new|check` and `alledu quiz import|export`: a teacher's folder from the command line.

Why: a teacher writes questions in a text editor or brings them from Moodle; they need one
command that lists every problem at once (`file:line: ...`, exit 2) before the class, one that
writes a starting folder with an example of every kind, and GIFT in and out so the same
questions live in their Moodle course too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import yaml

from alledu.authoring.model import AUTHORING_LIMITS, MAX_TEXT, Accepted, Number, Option, Question
from alledu.authoring.problems import ContentProblems
from alledu.errors import InvalidInput

EXAMPLE = Path(__file__).with_name("example")  # what `alledu content new` writes (docs/authoring.md shows it)
EXIT_BAD_INPUT = 2
DIGITS = int(AUTHORING_LIMITS["digits"])  # decimals kept when a computed answer is written out


def content_args(p: argparse.ArgumentParser) -> None:
    """--content DIR (and --content-only): the same options on `serve` and `class ...`."""
    p.add_argument("--content", metavar="DIR", help="a teacher's folder of questions and cases (docs/authoring.md)")
    p.add_argument(
        "--content-only",
        action="store_true",
        help="with --content: the folder's questions and cases instead of the built-in ones (not beside them)",
    )


def add_parsers(sub: Any) -> None:
    """The `content` and `quiz` command groups."""
    group = sub.add_parser("content", help="a teacher's content folder: new (an example of every kind), check")
    cmds = group.add_subparsers(dest="content_command", required=True, parser_class=type(group), metavar="new|check")
    p = cmds.add_parser("new", help="write a starting folder: an example of every kind of question, two cases")
    p.add_argument("folder", metavar="DIR")
    p = cmds.add_parser("check", help="check a folder: every problem as file:line (exit 2), or a summary")
    p.add_argument("folder", metavar="DIR")

    group = sub.add_parser("quiz", help="the quiz's questions in Moodle GIFT: import, export")
    cmds = group.add_subparsers(dest="quiz_command", required=True, parser_class=type(group), metavar="import|export")
    p = cmds.add_parser("import", help="read a GIFT file into a content folder (as YAML you can edit)")
    p.add_argument("file", metavar="FILE.gift")
    p.add_argument("--into", required=True, metavar="DIR", help="the content folder to write into")
    p.add_argument("--force", action="store_true", help="replace a YAML file of the same name")
    p = cmds.add_parser("export", help="write the quiz as GIFT (computed answers as their value and margin)")
    p.add_argument("--format", choices=["gift"], default="gift")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of the screen")
    content_args(p)


def run_content(ns: argparse.Namespace) -> str:
    from alledu.authoring.folder import check

    root = Path(ns.folder)
    if ns.content_command == "new":
        if root.exists() and any(root.iterdir()):
            raise InvalidInput("folder", str(root), "a new or empty folder (nothing is overwritten)")
        root.mkdir(parents=True, exist_ok=True)
        for f in sorted(EXAMPLE.iterdir()):
            if f.suffix in (".yaml", ".gift"):
                shutil.copyfile(f, root / f.name)
        folder, problems = check(root)
        assert folder is not None, problems  # the example is checked by the tests too
        return (
            f"Wrote a starting folder: {', '.join(sorted(p.name for p in root.iterdir()))}\n{folder.summary()}\n"
            f"Edit it, run 'alledu content check {root}', then 'alledu serve --content {root}'."
        )
    folder, problems = check(root)
    if folder is None:
        raise ContentProblems(problems)
    notes = "".join(f"\nnote: {n}" for n in folder.notes)
    return folder.summary() + notes


# ---- GIFT ---------------------------------------------------------------------------------------
def _yaml_question(q: Question) -> dict[str, Any]:
    """A question as its YAML entry: only what differs from the defaults, in the model's order."""
    return q.model_dump(mode="json", exclude_defaults=True)


def run_quiz(ns: argparse.Namespace) -> str:
    from alledu.authoring import gift

    if ns.quiz_command == "import":
        read = gift.read_file(Path(ns.file))
        target = Path(ns.into) / f"{Path(ns.file).stem}.yaml"
        if target.exists() and not ns.force:
            raise InvalidInput("into", str(target), "a file that does not exist yet (or --force to replace it)")
        if read.questions:
            target.parent.mkdir(parents=True, exist_ok=True)
            head = (
                f"# Imported from {Path(ns.file).name} (Moodle GIFT) by 'alledu quiz import'; see docs/authoring.md.\n"
                "# weight 100 = the right option; feedback_true / feedback_false are shown to who answered\n"
                "# True / False (GIFT writes the wrong answer's feedback first: {T#wrong#right}).\n"
            )
            body = yaml.safe_dump(
                {"questions": [_yaml_question(q) for q in read.questions]},
                sort_keys=False,
                allow_unicode=True,
                width=100,
            )
            target.write_text(head + body, "utf-8")
        done = f"{len(read.questions)} question(s) imported into {target}" if read.questions else "Nothing imported"
        if read.problems:
            raise ContentProblems(read.problems, f"{done}; the questions with a problem above were not imported.")
        return done
    text = gift.write(exported(ns.content, ns.content_only))
    if ns.content:
        from alledu.authoring.folder import load

        cases = len(load(Path(ns.content), ns.content_only).cases)
        if cases:  # said, not silently left out
            print(f"alledu: {cases} case(s) of the folder not exported: GIFT has no cases.", file=sys.stderr)
    if ns.output:
        Path(ns.output).write_text(text, "utf-8")
        return f"Wrote {ns.output}"
    return text.rstrip("\n")


def exported(content_dir: str | None, only: bool) -> list[Question]:
    """The quiz as GIFT can hold it: built-in questions (unless only the folder's), then the
    teacher's; a computed question becomes the kind its answer is (a number with its margin,
    a date as a short answer, a verdict as true/false)."""
    from alledu import exercises as E
    from alledu.authoring.folder import load

    out: list[Question] = []
    folder = load(Path(content_dir), only) if content_dir else None
    if not (folder and folder.only):
        out += [
            from_builtin(q, E.numeric_answer(q) if q.kind == "numeric" else None) for q in E.question_bank().questions
        ]
    for a in folder.questions if folder else ():
        out.append(resolved(a.question, a.worked))
    return out


def from_builtin(q: Any, answer: float | None) -> Question:
    """A built-in quiz question (alledu/content/quiz.yaml) in the teacher's model."""
    fields: dict[str, Any] = {"id": q.id, "prompt": q.prompt, "format": "plain", "feedback": q.explain, "cite": q.cite}
    if q.kind == "numeric":
        assert answer is not None
        tol = abs(answer) * (q.tolerance_percent or 0) / 100
        return Question(
            kind="numeric",
            numbers=(Number(value=round(answer, DIGITS), tolerance=round(tol, DIGITS)),),
            unit=q.unit,
            **fields,
        )
    right = {q.correct} if isinstance(q.correct, str) else set(q.correct or ())
    share = round(100 / len(right), DIGITS - 1)
    weights = {k: (100 if q.kind == "single" else share) for k in right}
    if q.kind == "multiple":  # the shares add up to exactly 100
        last = [k for k in q.options if k in right][-1]
        weights[last] = round(100 - share * (len(right) - 1), DIGITS - 1)
    options = tuple(Option(text=text, weight=weights.get(k, 0)) for k, text in q.options.items())
    return Question(kind=q.kind, options=options, **fields)


def resolved(q: Question, worked: Any) -> Question:
    """A teacher's question with a computed answer written out (other kinds unchanged)."""
    if q.kind != "computed":
        return q
    import datetime as dt

    assert q.computed is not None and worked is not None
    base = q.model_dump(exclude={"kind", "computed", "unit"}, exclude_defaults=True)
    why = worked.working + "".join(f"\n\nSafety: {note}" for note in worked.safety)  # as the lesson shows them
    feedback = (q.feedback + "\n\n" if q.feedback else "") + why
    base["feedback"] = feedback[:MAX_TEXT]
    if isinstance(worked.value, bool):
        return Question(kind="truefalse", answer=worked.value, **base)
    if isinstance(worked.value, dt.date):
        return Question(kind="short", accepted=(Accepted(text=worked.value.isoformat()),), **base)
    value = float(worked.value)
    tol = abs(value) * q.computed.tolerance_percent / 100
    return Question(
        kind="numeric",
        numbers=(Number(value=round(value, DIGITS), tolerance=round(tol, DIGITS)),),
        unit=worked.unit,
        **base,
    )


# ---- serving ------------------------------------------------------------------------------------
def serve_content(folder: str | None, only: bool, environ: MutableMapping[str, str] = os.environ) -> str | None:
    """For `serve --content DIR` and `class ... --content DIR`: check the folder (ContentProblems,
    and no server, when it has any problem), keep it as the last good version, and hand it to the
    lesson kernels through the environment."""
    from alledu.authoring.folder import ENV, ENV_ONLY, _save_snapshot, load

    if folder is None:
        if only:
            raise InvalidInput("content-only", True, "only together with --content DIR")
        return None
    root = Path(folder).expanduser().resolve()
    checked = load(root, only)
    _save_snapshot(root)
    environ[ENV] = str(root)
    environ[ENV_ONLY] = "1" if only else ""
    print(
        f"alledu: teacher content: {checked.summary()}" + (" (instead of the built-in ones)" if only else ""),
        file=sys.stderr,
    )
    return str(root)
