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
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import pandas as pd

from alledu.bsa import all_formulas, bsa, formula_ids
from alledu.eligibility import eligibility
from alledu.errors import InvalidInput
from alledu.patient import Patient
from alledu.schedule import regimen, regimen_ids, schedule
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
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("start", text, "a date as YYYY-MM-DD") from None


@_typed
def _cycles(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("cycles", text, "a whole number of cycles") from None


def _body(p: argparse.ArgumentParser) -> None:
    p.add_argument("--height-cm", type=_num("height_cm"), required=True)
    p.add_argument("--weight-kg", type=_num("weight_kg"), required=True)


def _patient_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--age", type=_num("age_years"), required=True, help="age in years")
    _body(p)
    p.add_argument("--lineage", choices=["B", "T"])
    p.add_argument("--ph-positive", type=_bool("ph_positive"), metavar="yes|no")
    p.add_argument("--cd19-positive", type=_bool("cd19_positive"), metavar="yes|no")
    p.add_argument("--cd22-positive", type=_bool("cd22_positive"), metavar="yes|no")
    p.add_argument("--status", dest="disease_status", choices=["relapsed", "refractory", "remission"])
    p.add_argument("--prior-regimens", type=_int("prior_regimens"))
    p.add_argument("--relapse-number", type=_int("relapse_number"))
    p.add_argument("--remission-number", type=_int("remission_number"))
    p.add_argument("--mrd", dest="mrd_percent", type=_num("mrd_percent"), help="MRD in percent")
    p.add_argument("--cr1-months", dest="cr1_duration_months", type=_num("cr1_duration_months"))
    p.add_argument("--platelets", dest="platelets_1e9_per_l", type=_num("platelets_1e9_per_l"))
    p.add_argument("--albumin", dest="albumin_g_dl", type=_num("albumin_g_dl"))
    p.add_argument("--marrow-blasts", dest="marrow_blasts_percent", type=_num("marrow_blasts_percent"))


def _patient(ns: argparse.Namespace) -> Patient:
    fields = {f.name for f in dataclasses.fields(Patient)}
    values = {k: v for k, v in vars(ns).items() if k in fields and v is not None}
    values["age_years"] = ns.age
    return Patient(**values)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="alledu", description="Relapsed ALL teaching suite (educational use only).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("bsa", help="body surface area by one or all formulas")
    _body(p)
    p.add_argument("--formula", choices=[*formula_ids(), "all"], default="all")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")

    p = sub.add_parser("schedule", help="day-by-day schedule for a regimen")
    p.add_argument("regimen_id", choices=regimen_ids(), metavar="REGIMEN", help=", ".join(regimen_ids()))
    _patient_args(p)
    p.add_argument("--cycles", type=_cycles, default=1)
    p.add_argument("--start", type=_date, help="first day of cycle 1, YYYY-MM-DD")
    p.add_argument("--formula", choices=formula_ids(), default="mosteller")
    p.add_argument("--choice", action="append", default=[], metavar="NAME=VALUE", help="regimen choice, repeatable")
    p.add_argument("--format", choices=["table", "csv", "json", "ics"], default="table")

    p = sub.add_parser("eligibility", help="which regimens fit a patient, with reasons")
    _patient_args(p)
    p.add_argument("--layer", choices=["core-2021", "current"], default="core-2021")
    p.add_argument("--format", choices=["table", "json"], default="table")

    p = sub.add_parser("serve", help="serve the lessons as apps with Voila")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--no-browser", action="store_true")
    p.add_argument("--token", default="")
    p.add_argument("--base-url", default="/")
    p.add_argument(
        "--pool",
        type=int,
        default=None,
        help="preheated kernels per lesson (default in alledu/serve/voila.py); raise it for a class",
    )
    p.add_argument(
        "--class",
        dest="class_size",
        type=_count("class", 1, 1000),
        default=None,
        metavar="N",
        help="class mode: prepare N learners' kernels per lesson before saying 'ready'",
    )
    p.add_argument(
        "--lessons",
        type=_lesson_list,
        default=None,
        metavar="ID,ID",
        help="class mode: only these lessons (comma-separated ids; default every lesson)",
    )
    p.add_argument(
        "--max-kernels",
        type=_count("max-kernels", 1, 1000),
        default=None,
        metavar="N",
        help="cap on live kernels (default: what available memory holds); over it learners get a retrying page",
    )
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
        **_choices(ns.choice),
    )
    if ns.format == "csv":
        return frame.to_csv(index=False)
    if ns.format == "json":
        return frame.to_json(orient="records", date_format="iso", indent=2)
    if ns.format == "ics":
        from alledu.export import to_ics

        return to_ics(frame, ns.regimen_id).decode()
    reg = regimen(ns.regimen_id)
    shown = frame[[c for c in ("cycle", "day", "date", "dose", "unit", "working") if c in frame]]
    head = f"{reg.title} - {len(frame)} administration days. Educational use only."
    body = shown.to_string(index=False, float_format=lambda x: f"{x:.2f}")
    return f"{head}\n{body}"


def run_eligibility(ns: argparse.Namespace) -> str:
    verdicts = eligibility(_patient(ns), layer=ns.layer)
    if ns.format == "json":
        rows = [{k: v for k, v in dataclasses.asdict(verdict).items() if k != "tree"} for verdict in verdicts]
        return json.dumps(rows, indent=2, default=str)
    lines = []
    for v in verdicts:
        word = {True: "ELIGIBLE", False: "not eligible", None: "undecided"}[v.eligible]
        lines.append(f"{v.regimen_id}: {word}" + (f" (missing: {', '.join(v.missing)})" if v.missing else ""))
        lines += [f"    - {r}" for r in v.reasons]
        lines += [f"    note: {n}" for n in v.notes]
        if v.goal:
            lines.append(f"    goal: {v.goal}")
        lines.append(f"    sources: {', '.join(v.citations)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input)."""
    parser = build_parser()
    try:
        ns = parser.parse_args(argv)
        if ns.command == "serve":
            from alledu.serve import serve

            if ns.lessons and not ns.class_size:
                raise InvalidInput("lessons", ",".join(ns.lessons), "only together with --class N")

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
            )
        out = {"bsa": run_bsa, "schedule": run_schedule, "eligibility": run_eligibility}[ns.command](ns)
    except InvalidInput as exc:
        print(f"alledu: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
