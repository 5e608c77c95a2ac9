"""Command line: `alledu bsa | schedule | eligibility | serve`.

Why: a teacher preparing a handout, or a test, should get the same numbers as the lessons
without a notebook. Bad input prints one line naming field, value and range and exits 2;
a learner never sees a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from alledu import validate
from alledu.bsa import all_formulas, bsa, formula_ids
from alledu.content_loader import content
from alledu.eligibility import eligibility, population_fit, scope_line
from alledu.errors import InvalidInput
from alledu.export import handout_lines, to_csv, to_pdf
from alledu.models import VIEWS, PatientField
from alledu.patient import PATIENT_FIELDS, Patient, declarations
from alledu.schedule import dosed_regimen_ids, regimen, schedule
from alledu.validate import parse_number, parse_whole

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake on one line, then exits 2.

    Value conversions raise InvalidInput; argparse would swallow that into a vague
    'invalid value', so it is re-raised with its own field/value/range message.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"alledu: {message} (see 'alledu {self.prog.split()[-1]} --help')\n")

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        if callable(action.type) and getattr(action.type, "alledu", False):
            return action.type(arg_string)  # InvalidInput propagates to main()
        return super()._get_value(action, arg_string)


def _typed(fn):
    fn.alledu = True
    return fn


def _num(field: str, limit: str | None = None):
    """An argparse type that names the field and range when a value is not a number."""

    @_typed
    def parse(text: str) -> float:
        return parse_number(field, text, limit=limit)

    return parse


def _int(field: str):
    @_typed
    def parse(text: str) -> int:
        return parse_whole(field, text)

    return parse


def _bool(field: str):
    @_typed
    def parse(text: str) -> bool:
        low = text.lower()
        if low in ("yes", "true", "positive", "pos", "1"):
            return True
        if low in ("no", "false", "negative", "neg", "0"):
            return False
        raise InvalidInput(field, text, "yes or no")

    return parse


@_typed
def _date(text: str) -> dt.date:
    return validate.date("start", text)  # strict YYYY-MM-DD: not 20260105


@_typed
def _cycles(text: str) -> int:
    if not validate.WHOLE_TEXT.fullmatch(text):
        raise InvalidInput("cycles", text, "a whole number of cycles")
    return int(text)


def _body(p: argparse.ArgumentParser) -> None:
    for name in ("height_cm", "weight_kg"):
        _add_field(p, name, declarations()[name])


def _add_field(p: argparse.ArgumentParser, name: str, decl: PatientField) -> None:
    """One flag per declared patient field (content/patient_fields.yaml)."""
    kw: dict[str, Any] = {"dest": name, "required": decl.required, "help": decl.help}
    if decl.kind == "number":
        kw["type"] = _num(name)
    elif decl.kind == "whole":
        kw["type"] = _int(name)
    elif decl.kind == "flag":
        kw["type"], kw["metavar"] = _bool(name), "yes|no"
    else:
        kw["choices"] = [k for k in decl.options or {} if isinstance(k, str)]
    p.add_argument(decl.flag, **kw)


def _patient_args(p: argparse.ArgumentParser) -> None:
    for name, decl in declarations().items():
        _add_field(p, name, decl)


def _patient(ns: argparse.Namespace) -> Any:
    values = {k: getattr(ns, k) for k in PATIENT_FIELDS if getattr(ns, k, None) is not None}
    return Patient(**values)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="alledu", description="Relapsed ALL teaching suite (educational use only).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("bsa", help="body surface area by one or all formulas")
    _body(p)
    p.add_argument("--formula", choices=[*formula_ids(), "all"], default="all")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")

    p = sub.add_parser("schedule", help="day-by-day schedule for a regimen")
    p.add_argument("regimen_id", choices=dosed_regimen_ids(), metavar="REGIMEN", help=", ".join(dosed_regimen_ids()))
    _patient_args(p)
    p.add_argument("--cycles", type=_cycles, default=1)
    p.add_argument("--start", type=_date, help="first day of cycle 1, YYYY-MM-DD")
    p.add_argument("--formula", choices=formula_ids(), default="mosteller")
    p.add_argument("--choice", action="append", default=[], metavar="NAME=VALUE", help="regimen choice, repeatable")
    p.add_argument("--view", choices=VIEWS, default="label", help="label in force (default) or the 2021 review")
    p.add_argument("--format", choices=["table", "csv", "json", "ics", "pdf"], default="table")
    p.add_argument("--output", metavar="FILE", help="write to FILE (needed for --format pdf)")

    p = sub.add_parser("eligibility", help="which regimens fit a patient, with reasons")
    _patient_args(p)
    p.add_argument("--view", choices=VIEWS, default="label", help="label in force (default) or the 2021 review")
    p.add_argument("--format", choices=["table", "json"], default="table")

    p = sub.add_parser("serve", help="serve the lessons as apps with Voila")
    p.add_argument("--port", type=_count("port", 1, 65535), default=8866)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--no-browser", action="store_true")
    p.add_argument("--token", default="")
    p.add_argument("--base-url", default="/")
    p.add_argument(
        "--pool",
        type=_count("pool", 0, 1000),  # an unbounded pool filled memory without ever answering (issue 24)
        default=None,
        help="preheated kernels per lesson (default in alledu/serve/voila.py); raise it for a class",
    )
    p.add_argument(
        "--class",
        dest="class_size",
        type=_count("class", 1, 1000),
        default=None,
        metavar="N",
        help="class mode: prepare for N learners at once on whichever lesson they open; say when ready",
    )
    p.add_argument(
        "--lessons",
        type=_lesson_list,
        default=None,
        metavar="ID,ID",
        help="class mode: keep N kernels waiting on each of these lessons (comma-separated ids) instead",
    )
    p.add_argument(
        "--max-kernels",
        type=_count("max-kernels", 1, 1000),
        default=None,
        metavar="N",
        help="cap on live kernels (default: what available memory holds); over it learners get a retrying page",
    )
    p.add_argument(
        "--no-fork",
        action="store_true",
        help="start every lesson kernel from scratch instead of forking it from a warm template",
    )
    # live class (issue 11): `alledu class ...`, and where `alledu serve` records answers
    from alledu.live.cli import add_class_parser, store_args

    store_args(sub.choices["serve"])
    add_class_parser(sub)
    # a teacher's own questions and cases (issue 22): `alledu content ...`, `alledu quiz ...`, --content
    from alledu.authoring.cli import add_parsers, content_args

    content_args(sub.choices["serve"])
    add_parsers(sub)
    return parser


def _count(field: str, low: int, high: int):
    """A whole number in [low, high] for a serve option."""

    @_typed
    def parse(text: str) -> int:
        if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
            raise InvalidInput(field, text, f"a whole number from {low} to {high}")
        return int(text)

    return parse


@_typed
def _lesson_list(text: str) -> list[str]:
    """Comma-separated lesson ids, each one of the suite's lessons."""
    from alledu.content_loader import content

    known = [lesson.id for lesson in content().lessons.lessons]
    ids = [part.strip() for part in text.split(",") if part.strip()]
    for lesson in ids or [text]:
        if lesson not in known:
            raise InvalidInput("lessons", lesson, "comma-separated lesson ids: " + ", ".join(known))
    return ids


def _choices(items: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise InvalidInput("choice", item, "NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def run_bsa(ns: argparse.Namespace) -> str:
    if ns.formula == "all":
        values = all_formulas(height_cm=ns.height_cm, weight_kg=ns.weight_kg)
    else:
        values = {ns.formula: bsa(height_cm=ns.height_cm, weight_kg=ns.weight_kg, formula=ns.formula)}
    frame = pd.DataFrame({"formula": list(values), "bsa_m2": list(values.values())})
    if ns.format == "json":
        return json.dumps(values, indent=2)
    if ns.format == "csv":
        return frame.to_csv(index=False)
    return frame.to_string(index=False, float_format=lambda x: f"{x:.4f}")


def run_schedule(ns: argparse.Namespace) -> str:
    frame = schedule(
        ns.regimen_id,
        _patient(ns),
        cycles=ns.cycles,
        start=ns.start,
        bsa_formula=ns.formula,
        view=ns.view,
        **_choices(ns.choice),
    )
    patient = _patient(ns)
    context = {
        "Patient": f"age {patient.age_years:g} years, height {patient.height_cm:g} cm, weight {patient.weight_kg:g} kg",
        "BSA formula": ns.formula,
        "Follows": "the label in force" if ns.view == "label" else "the 2021 review",
    }
    if ns.choice:
        context["Choices"] = ", ".join(ns.choice)
    if ns.format == "csv":
        return to_csv(frame, ns.regimen_id, patient.age_years, context)
    if ns.format == "json":
        return frame.to_json(orient="records", date_format="iso", indent=2)
    if ns.format == "ics":
        from alledu.export import to_ics

        return to_ics(frame, ns.regimen_id, patient.age_years).decode()
    reg = regimen(ns.regimen_id)
    if ns.format == "pdf":
        if not ns.output:
            raise InvalidInput("output", None, "a file name to write the PDF to (--output FILE)")
        pdf = to_pdf(frame, ns.regimen_id, patient.age_years, context, population_fit(reg, patient.age_years, ns.view))
        try:
            Path(ns.output).write_bytes(pdf)
        except OSError as exc:
            raise InvalidInput("output", ns.output, f"a file this user may write ({exc.strerror})") from None
        return f"wrote {ns.output} ({len(pdf)} bytes)"
    several = frame.drug.nunique() > 1  # lymphodepletion before a CAR-T infusion: name each drug
    wanted = ("cycle", "day", "date", *(("drug",) if several else ()), "dose", "premedication", "working")
    shown = frame.assign(dose=frame.dose_text)[[c for c in wanted if c in frame]]
    days = frame[["cycle", "day"]].drop_duplicates().shape[0]  # lymphodepletion drugs share days
    head = f"{reg.title} - {days} administration day{'' if days == 1 else 's'}."
    fit = population_fit(reg, patient.age_years, ns.view)
    body = shown.to_string(index=False, float_format=lambda x: f"{x:.2f}")
    notes = "\n".join(f"  {line}" for line in [*fit, *handout_lines(ns.regimen_id, patient.age_years, context)])
    return f"{head}\n{notes}\n{body}"


def run_eligibility(ns: argparse.Namespace) -> str:
    verdicts = eligibility(_patient(ns), view=ns.view)
    if ns.format == "json":
        rows = [{k: v for k, v in dataclasses.asdict(verdict).items() if k != "tree"} for verdict in verdicts]
        return json.dumps(rows, indent=2, default=str)
    meta = content().meta
    judged = (
        f"Judged by the US label in force on {meta.content_checked}."
        if ns.view == "label"
        else f"Judged by the 2021 review ({meta.core_review.date}), as it was written."
    )
    lines = [meta.notice, judged, scope_line()]
    for v in verdicts:
        word = "ELIGIBLE" if v.eligible else v.word
        if v.eligible is not False and v.off_label:
            word += " (off-label)"
        lines.append(f"{v.regimen_id}: {word}" + (f" (missing: {', '.join(v.missing)})" if v.missing else ""))
        lines += [f"    - {r}" for r in v.reasons]
        lines += [f"    note: {n}" for n in v.notes]
        lines += [f"    review vs label: {d}" for d in v.differences]
        if v.goal:
            lines.append(f"    goal: {v.goal}")
        lines.append(f"    sources: {', '.join(v.citations)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input)."""
    parser = build_parser()
    from alledu.authoring.cli import serve_content
    from alledu.authoring.problems import ContentProblems

    try:
        ns = parser.parse_args(argv)
        if ns.command == "serve":
            from alledu.live.cli import serve_store
            from alledu.serve import serve

            if ns.lessons and not ns.class_size:
                raise InvalidInput("lessons", ",".join(ns.lessons), "only together with --class N")
            serve_store(ns.data, ns.db)  # lesson kernels find the class store in $ALLEDU_LIVE_DB
            serve_content(ns.content, ns.content_only)  # ... and the teacher's folder in $ALLEDU_CONTENT

            return serve(
                port=ns.port,
                host=ns.host,
                open_browser=not ns.no_browser,
                token=ns.token,
                base_url=ns.base_url,
                pool=ns.pool,
                class_size=ns.class_size,
                lessons=ns.lessons,
                max_kernels=ns.max_kernels,
                fork=not ns.no_fork,
            )
        if ns.command == "class":  # live class (issue 11)
            from alledu.live.cli import run_class

            serve_content(getattr(ns, "content", None), getattr(ns, "content_only", False))
            print(run_class(ns))
            return 0
        if ns.command in ("content", "quiz"):  # a teacher's folder, GIFT (issue 22)
            from alledu.authoring.cli import run_content, run_quiz

            out = (run_content if ns.command == "content" else run_quiz)(ns)
            print(out, flush=True)
            return 0
        out = {"bsa": run_bsa, "schedule": run_schedule, "eligibility": run_eligibility}[ns.command](ns)
    except InvalidInput as exc:
        print(f"alledu: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ContentProblems as exc:  # every problem of a teacher's folder, one per line
        print(str(exc), file=sys.stderr)
        print(f"alledu: {len(exc.problems)} problem(s)." + (f" {exc.after}" if exc.after else ""), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValueError, TypeError, ArithmeticError) as exc:  # bad input no check caught: still one line
        print(f"alledu: cannot use this input ({type(exc).__name__}: {_one_line(exc)})", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug: one line here, never a traceback
        print(f"alledu: internal error, please report it ({type(exc).__name__}: {_one_line(exc)})", file=sys.stderr)
        return 1
    try:
        print(out, flush=True)
    except BrokenPipeError:  # the reader stopped early (`| head`): not an error, and no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python flushes stdout at exit
    return 0


def _one_line(exc: BaseException) -> str:
    return textwrap.shorten(str(exc), 200, placeholder="...")  # also joins lines


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
