"""`alledu class new | answers | close`: a teacher's live class from the command line.

Why: the teacher starts a class before the lesson (code to read out, key to keep), exports
the answers after it, and closes it so late answers are refused. Every mistake - a bad code,
an unknown class, a store that cannot be opened - is one line naming the value, exit 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import MutableMapping
from typing import Any, NoReturn
from urllib.parse import parse_qs, urlsplit, urlunsplit

from alledu.authoring.cli import content_args
from alledu.errors import InvalidInput
from alledu.live.codes import normalize_code
from alledu.live.store import ENV, ClassInfo, StoreUnavailable, describe, location, open_store
from alledu.live.summary import CASE_LESSON, QUIZ_LESSON, gradebook_csv, to_csv, to_json
from alledu.serve.links import qr_text, reachable_addresses, with_query

DASHBOARD_LESSON = "07_teacher_dashboard"
DEFAULT_URL = "http://127.0.0.1:8866/"
EXIT_BAD_INPUT = 2


def store_args(p: argparse.ArgumentParser) -> None:
    """--data DIR / --db URL: the same options `alledu serve` takes."""
    p.add_argument("--data", metavar="DIR", help="folder of the SQLite class store (default: your user data folder)")
    p.add_argument("--db", metavar="URL", help="a PostgreSQL URL instead, postgresql://user@host:port/dbname")


def add_class_parser(sub: Any) -> None:
    """The `class` command group, added to alledu's top-level subparsers."""
    group = sub.add_parser("class", help="live class: codes, answers, close, reopen, reset, list")

    class Nested(type(group)):  # type: ignore[misc]
        def error(self, message: str) -> NoReturn:
            self.exit(EXIT_BAD_INPUT, f"alledu: {message} (see '{self.prog} --help')\n")

    cmds = group.add_subparsers(
        dest="class_command", required=True, parser_class=Nested, metavar="new|answers|close|reopen|reset|list"
    )

    p = cmds.add_parser("new", help="start a class: prints its code, teacher key and links")
    p.add_argument("--title", default="", help="shown on the teacher's dashboard")
    p.add_argument(
        "--url",
        default=DEFAULT_URL,
        help=f"where `alledu serve` runs, as it printed it (default {DEFAULT_URL}); 0.0.0.0 = this machine's addresses",
    )
    p.add_argument("--token", default="", help="the --token given to `alledu serve` (put into every link)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    store_args(p)

    p = cmds.add_parser("answers", help="export a class's answers (or its gradebook: one line per learner)")
    p.add_argument("code", metavar="CODE")
    content_args(p)  # the teacher's questions named in the export, as served
    p.add_argument("--format", choices=["csv", "json", "gradebook"], default="csv")
    store_args(p)

    p = cmds.add_parser("close", help="stop accepting answers for a class")
    p.add_argument("code", metavar="CODE")
    store_args(p)

    p = cmds.add_parser("reopen", help="accept answers again for a closed class")
    p.add_argument("code", metavar="CODE")
    store_args(p)

    p = cmds.add_parser("reset", help="delete every answer of a class (its code and key stay)")
    p.add_argument("code", metavar="CODE")
    p.add_argument("--yes", action="store_true", help="required: the answers cannot be brought back")
    store_args(p)

    p = cmds.add_parser("list", help="every class in the store, newest first")
    p.add_argument("--format", choices=["text", "json"], default="text")
    store_args(p)


def _url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise InvalidInput("url", text, "the served suite's address, e.g. http://127.0.0.1:8866/")
    parts = urlsplit(text)
    return urlunsplit(parts._replace(path=parts.path if parts.path.endswith("/") else parts.path + "/"))


def links(base: str, info: ClassInfo, token: str = "") -> dict[str, str]:
    """The class's links at the address learners use (a server on 0.0.0.0: the machine's own
    network address), each carrying the class code and the server's token when there is one."""
    return all_links(base, info, token)[0]


def all_links(base: str, info: ClassInfo, token: str = "") -> list[dict[str, str]]:
    """`links` for every address learners can reach, the one to hand out first."""
    parts = urlsplit(_url(base))
    token = token or parse_qs(parts.query).get("token", [""])[0]
    found = []
    for address in reachable_addresses(parts.hostname or ""):
        host = f"[{address}]" if ":" in address else address
        netloc = f"{host}:{parts.port}" if parts.port else host
        root = urlunsplit(parts._replace(netloc=netloc, query="", fragment=""))
        render = f"{root}voila/render/"
        found.append(
            {
                name: with_query(url, **{"class": info.code}, token=token)
                for name, url in {
                    "lessons": root,
                    "teacher": f"{render}{DASHBOARD_LESSON}.ipynb",
                    "quiz": f"{render}{QUIZ_LESSON}.ipynb",
                    "cases": f"{render}{CASE_LESSON}.ipynb",
                }.items()
            }
        )
    return found


def run_class(ns: argparse.Namespace) -> str:
    """Run one `class` subcommand; store problems become InvalidInput (one line, exit 2)."""
    url = location(ns.data, ns.db)
    store = open_store(url)
    try:
        if ns.class_command == "new":
            _url(ns.url)
            info, key = store.create_class(ns.title)
            every = all_links(ns.url, info, ns.token)
            to = every[0]
            if ns.format == "json":
                return json.dumps({"code": info.code, "teacher_key": key, "teacher_url": to["teacher"]}, indent=2)
            return "\n".join(
                [
                    f"Class code: {info.code}" + (f"  ({info.title})" if info.title else ""),
                    f"Teacher key: {key}   (keep it to yourself: it opens the dashboard)",
                    f"Teacher dashboard: {to['teacher']}",
                    f"Learners, quiz: {to['quiz']}",
                    f"Learners, cases: {to['cases']}",
                    f"Learners, every lesson: {to['lessons']}",
                    *(f"  also at: {other['lessons']}" for other in every[1:]),
                    f"Answers are kept in {describe(url)}. Serve with the same --data/--db.",
                    "Learners can scan this QR code (every lesson, in this class):",
                    qr_text(to["lessons"]).rstrip("\n"),
                ]
            )
        if ns.class_command == "answers":
            rows = store.answers(ns.code)
            if ns.format == "gradebook":
                return gradebook_csv(rows).rstrip("\n")
            return to_json(rows) if ns.format == "json" else to_csv(rows).rstrip("\n")
        if ns.class_command == "reopen":
            info = store.reopen_class(ns.code)
            return f"Class {info.code} is open again; learners' answers are recorded."
        if ns.class_command == "reset":
            if not ns.yes:
                raise InvalidInput("yes", None, "--yes: reset deletes every answer of the class for good")
            gone = store.reset_class(ns.code)
            plural = "" if gone == 1 else "s"
            return f"Class {normalize_code(ns.code)}: {gone} answer{plural} deleted; code and key unchanged."
        if ns.class_command == "list":
            classes = store.list_classes()
            if ns.format == "json":
                return json.dumps(
                    [
                        {**dataclasses.asdict(info), "open": info.is_open, "answers": n, "learners": k}
                        for info, n, k in classes
                    ],
                    indent=2,
                )
            if not classes:
                return f"No classes in {describe(url)}. Start one with 'alledu class new'."
            lines = [f"{'code':<6} {'state':<8} {'answers':>7} {'learners':>8}  created (UTC)     title"]
            for info, n, k in classes:
                state = "open" if info.is_open else "closed"
                made = info.created_at.partition(".")[0].rpartition(":")[0].replace("T", " ")  # to the minute
                lines.append(f"{info.code:<6} {state:<8} {n:>7} {k:>8}  {made}  {info.title}")
            return "\n".join(lines)
        info = store.close_class(ns.code)
        return f"Class {info.code} closed at {info.closed_at}; its answers are kept."
    except StoreUnavailable as exc:
        field = "db" if ns.db else "data"
        raise InvalidInput(
            field, ns.db or ns.data or describe(url), "a class store that can be opened", str(exc)
        ) from None
    finally:
        store.close()


def serve_store(data: str | None, db: str | None, environ: MutableMapping[str, str] = os.environ) -> str | None:
    """For `alledu serve --data/--db`: hand the store to the lesson kernels (environment), check it.

    Without either option nothing is touched: kernels open the default store only when a
    learner joins a class. A store that cannot be opened does not stop the server: the lessons
    work, joining says why it cannot, and the teacher reads the reason here and on the dashboard.
    """
    if data is None and db is None:
        return None
    url = location(data, db, environ)
    environ[ENV] = url
    store = open_store(url)
    try:
        store.ping()
    except StoreUnavailable as exc:
        print(f"alledu: warning: {exc}. Lessons run, but live-class answers are not recorded.", file=sys.stderr)
    else:
        print(f"alledu: live-class answers are kept in {describe(url)}", file=sys.stderr)
    finally:
        store.close()
    return url
