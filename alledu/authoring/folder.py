"""A teacher's content folder: read, checked (every problem at once, by file and line), served.

Why: a teacher adds their own questions and cases without touching the package. The folder
holds YAML files (`questions:` and `cases:`, see docs/authoring.md) and Moodle GIFT files
(`*.gift`). `alledu content check DIR` and `alledu serve --content DIR` read it the same way:
every problem is listed as `file:line: what is wrong (value, accepted)`, and a folder with any
problem is not used. While serving, the lessons read the folder again when a file changes (on
the next page load); a broken edit keeps the last good version, and the log says so.

A folder is data from outside: YAML is read with the safe loader (no tags, no code), without
anchors or aliases (a "billion laughs" file is refused, not expanded), within size limits; text
is shown through alledu.authoring.text, never as raw HTML.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import re
import types
import typing
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from alledu.authoring.asked import TEACHER, Asked, ask, check_patient
from alledu.authoring.model import AUTHORING_LIMITS, MAX_SHORT, Case, ContentFile, Question
from alledu.authoring.problems import ContentProblems, Problem
from alledu.authoring.text import to_html
from alledu.errors import ContentError, InvalidInput

log = logging.getLogger("alledu.content")

ENV = "ALLEDU_CONTENT"  # the folder, passed by `alledu serve --content DIR` to lesson kernels
ENV_ONLY = "ALLEDU_CONTENT_ONLY"  # "1": the folder's questions and cases instead of the built-in ones
MAX_FILE_BYTES = int(AUTHORING_LIMITS["file_bytes"])  # one file, YAML or GIFT
MAX_FILES = int(AUTHORING_LIMITS["files"])
MAX_FOLDER_BYTES = int(AUTHORING_LIMITS["folder_bytes"])
SHOWN = int(AUTHORING_LIMITS["shown"])
SUFFIXES = (".yaml", ".yml", ".gift")
IMAGE = re.compile(r"!\[[^\]]*\]\(")  # Markdown's image syntax
RAW_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9]*[\s/>]")  # a tag typed into Markdown


@dataclasses.dataclass(frozen=True)
class TeacherCase:
    """A teacher's case as the case lesson shows it: the patient and the steps, ready to ask."""

    id: str
    case: Case
    steps: tuple[Asked, ...]
    vignette_html: str

    @property
    def title(self) -> str:
        return self.case.title

    @property
    def patient(self) -> dict[str, Any]:
        return self.case.patient


@dataclasses.dataclass(frozen=True)
class Folder:
    """A checked folder: questions for the quiz, cases for the case lesson."""

    path: Path
    questions: tuple[Asked, ...]
    cases: tuple[TeacherCase, ...]
    only: bool = False  # instead of the built-in ones
    notes: tuple[Problem, ...] = ()  # not problems: text the lessons will show differently from how it reads

    def counts(self) -> Counter[str]:
        """Questions by kind (a case's steps included), and cases."""
        kinds = Counter(a.question.kind for a in self.questions)
        kinds.update(s.question.kind for c in self.cases for s in c.steps)
        kinds["case"] = len(self.cases)
        return kinds

    def summary(self) -> str:
        counts = self.counts()
        kinds = ", ".join(
            f"{counts[k]} {k}" for k in ("single", "multiple", "truefalse", "numeric", "short", "computed") if counts[k]
        )
        return (
            f"{self.path}: {len(self.questions)} question(s) for the quiz, {counts['case']} case(s) "
            f"with {sum(len(c.steps) for c in self.cases)} step(s); by kind: {kinds or 'none'}"
        )


def quiz_id(question_id: str) -> str:
    return f"{TEACHER}:{question_id}"


# ---- reading ------------------------------------------------------------------------------------
def files(root: Path) -> list[Path]:
    """The folder's content files, in name order (hidden files and other kinds ignored)."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def _text(path: Path, shown: str) -> tuple[str | None, list[Problem]]:
    """The file as text, or the problem that stops it being read (size, not UTF-8, binary)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(shown, 0, f"file too large ({size:,} bytes; accepted: up to {MAX_FILE_BYTES:,})")]
        raw = path.read_bytes()
    except OSError as exc:  # unreadable (permissions, a dangling link): said, never raised
        return None, [Problem(shown, 0, f"cannot be read ({exc.strerror or type(exc).__name__})")]
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        return None, [Problem(shown, line, "not a text file (a NUL byte; accepted: UTF-8 text)")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}; accepted: UTF-8)")]


def _compose(text: str, shown: str) -> tuple[yaml.Node | None, list[Problem]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        return None, [Problem(shown, line, _yaml_words(exc.problem or exc.context, exc.problem_mark))]
    except (yaml.YAMLError, RecursionError) as exc:
        return None, [Problem(shown, 0, f"not valid YAML ({type(exc).__name__})")]
    if node is not None and (shared := _aliased(node)):
        return None, [
            Problem(
                shown,
                shared.start_mark.line + 1,
                "YAML anchors and aliases (&name, *name) are not accepted: write the value out",
            )
        ]
    return node, []


def _aliased(node: yaml.Node) -> yaml.Node | None:
    """A node reached twice (an alias): refused, so a small file cannot expand into a huge one."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            return n
        seen.add(id(n))
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack += [k, v]
        elif isinstance(n, yaml.SequenceNode):
            stack += n.value
    return None


def _line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The line of the value at a pydantic error location (the deepest part that exists)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if k.value == part), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
            if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
                line = node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Which model a location points into (for listing the keys it accepts)."""
    model: type[BaseModel] | None = ContentFile
    for part in loc:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            continue
        model = _inner_model(model.model_fields[part].annotation)
    return model


def _inner_model(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in typing.get_args(tp):
        if (found := _inner_model(arg)) is not None:
            return found
    if isinstance(tp, types.UnionType):
        return None
    return None


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def _name(loc: tuple[Any, ...], data: Any) -> str:
    """Where in the file, as a teacher counts: "question 3 'blin_day8'", "case 1 'ward' step 2",
    then the field ("options 2 text"); numbers from 1, ids where the entry has one."""
    parts: list[str] = []
    node = data
    i = 0
    while i < len(loc):
        part = loc[i]
        if part in ("questions", "cases", "steps") and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            node = node.get(part, []) if isinstance(node, dict) else []
            index = loc[i + 1]
            node = node[index] if isinstance(node, list) and index < len(node) else None
            ident = node.get("id") if isinstance(node, dict) else None
            word = {"questions": "question", "cases": "case", "steps": "step"}[part]
            parts.append(f"{word} {index + 1}" + (f" {ident!r}" if isinstance(ident, str) else ""))
            i += 2
            continue
        if isinstance(part, int):
            parts.append(str(part + 1))
        elif not str(part).startswith("function-"):
            parts.append(str(part))
        node = node.get(part) if isinstance(node, dict) else None
        i += 1
    return " ".join(parts) or "the file"


def _friendly(e: Any) -> str:
    """pydantic's message in a teacher's words, for the cases teachers meet."""
    kind, ctx, field = e["type"], e.get("ctx") or {}, str(e["loc"][-1]) if e["loc"] else ""
    if kind == "string_pattern_mismatch" and field == "id":
        return "an id is lowercase letters, digits, _ and - (at most 64, starting with a letter or digit)"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        return "should be a number like 50 or 2.5 (no % sign, no unit)"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length', 1)} item(s)"
    if kind == "too_long":
        return f"has too many items (accepted: up to {ctx.get('max_length')})"
    if kind == "string_too_long":
        return f"is too long (accepted: up to {ctx.get('max_length')} characters)"
    if kind == "missing":
        return "is missing (required)"
    if kind == "bool_parsing":
        return "should be true or false"
    return str(e["msg"]).removeprefix("Value error, ")


def _problems_of(
    err: ValidationError, node: yaml.Node | None, shown: str, at: tuple[Any, ...] = (), data: Any = None
) -> list[Problem]:
    out = []
    for e in err.errors():
        loc = (*at, *e["loc"])
        where = _name(loc, data)
        if e["type"] == "extra_forbidden":
            model = _model_at(loc[:-1])
            keys = ", ".join(model.model_fields) if model else "see docs/authoring.md"
            msg = f"{_name(loc[:-1], data)}: unknown key {loc[-1]!r} (accepted: {keys})"
        else:
            value = e.get("input")
            given = "" if isinstance(value, (dict, list)) or e["type"] == "missing" else f" (value: {_shown(value)})"
            msg = f"{where}: {_friendly(e)}{given}"
        out.append(Problem(shown, _line(node, loc), msg))
    return out


def _yaml_words(problem: str | None, mark: Any) -> str:
    """PyYAML's parser messages, said for someone who writes YAML by hand."""
    text = problem or "unreadable"
    column = f" (column {mark.column + 1})" if mark is not None else ""
    if "\t" in text or "'\\t'" in text:
        return f"a tab character{column}: indent with spaces, not tabs"
    if "block end" in text or "mapping values are not allowed" in text or "block sequence" in text:
        return f"the indentation does not line up{column}, or a ':' is missing: align this line with its neighbours"
    if "expected ',' or '}'" in text or "expected ',' or ']'" in text:
        return f"text with ':', '?' or ',' inside {{...}} or [...]{column}: put that text in quotes"
    if "could not find expected ':'" in text:
        return f"a line without ':'{column} (write key: value)"
    return f"not valid YAML: {text}"


def _read_yaml(
    path: Path, shown: str
) -> tuple[list[tuple[Question, int]], list[tuple[Case, int]], yaml.Node | None, list[Problem]]:
    """The file's questions and cases, each validated on its own (so one bad entry does not hide
    the problems of the others), with their lines; and the problems found."""
    text, problems = _text(path, shown)
    if text is None:
        return [], [], None, problems
    node, problems = _compose(text, shown)
    if problems:
        return [], [], None, problems
    try:
        data = yaml.safe_load(text) if node is not None else None
    except yaml.YAMLError as exc:  # composed but not constructed (a tag): say where
        mark = getattr(exc, "problem_mark", None)
        return (
            [],
            [],
            None,
            [Problem(shown, mark.line + 1 if mark else 0, f"not accepted YAML: {getattr(exc, 'problem', exc)}")],
        )
    if not isinstance(data, dict):
        what = "empty" if data is None else type(data).__name__
        return [], [], None, [Problem(shown, 1, f"the file is {what} (accepted: keys questions and/or cases)")]
    try:  # the file's own keys, and each list as a list
        ContentFile.model_validate({k: [] if isinstance(v, list) else v for k, v in data.items()})
    except ValidationError as err:
        return [], [], node, _problems_of(err, node, shown, data=data)
    questions: list[tuple[Question, int]] = []
    cases: list[tuple[Case, int]] = []
    for key, model, out in (("questions", Question, questions), ("cases", Case, cases)):
        for i, entry in enumerate(data.get(key) or []):
            try:
                out.append((model.model_validate(entry), i))  # type: ignore[arg-type]
            except ValidationError as err:
                problems += _problems_of(err, node, shown, (key, i), data)
    return questions, cases, node, problems


# ---- checking -----------------------------------------------------------------------------------
def _cites_known(keys: tuple[str, ...]) -> list[str]:
    from alledu.content_loader import content

    return [k for k in keys if k not in content().citations]


def _domain_message(exc: Exception) -> str:
    return str(exc).splitlines()[0][:MAX_SHORT]


def check(root: Path, only: bool = False) -> tuple[Folder | None, list[Problem]]:
    """Read and check a folder; the Folder only when there is no problem at all."""
    root = Path(root).expanduser()
    if not root.is_dir():
        return None, [Problem(str(root), 0, "not a folder (accepted: a folder of .yaml, .yml and .gift files)")]
    found = files(root)
    problems: list[Problem] = []
    if len(found) > MAX_FILES:
        return None, [Problem(str(root), 0, f"{len(found)} content files (accepted: up to {MAX_FILES})")]
    total = sum(p.stat().st_size for p in found)
    if total > MAX_FOLDER_BYTES:
        return None, [Problem(str(root), 0, f"{total:,} bytes of content (accepted: up to {MAX_FOLDER_BYTES:,})")]
    questions: list[Asked] = []
    cases: list[TeacherCase] = []
    notes: list[Problem] = []
    seen: dict[str, str] = {}

    def unique(qid: str, shown: str, line: int, what: str) -> bool:
        if qid in seen:
            problems.append(
                Problem(
                    shown, line, f"{what} id {qid!r} is used twice (first in {seen[qid]}; each id once in the folder)"
                )
            )
            return False
        seen[qid] = f"{shown}:{line}"
        return True

    for path in found:
        shown = str(path.relative_to(root))
        if path.suffix.lower() == ".gift":
            from alledu.authoring import gift

            read = gift.read_file(path)
            problems += [dataclasses.replace(p, file=shown) for p in read.problems]
            parsed = [(q, _gift_line(read, i), None, i) for i, q in enumerate(read.questions)]
            file_cases: list[tuple[Case, int, yaml.Node | None, int]] = []
        else:
            qs, cs, node, found_problems = _read_yaml(path, shown)
            problems += found_problems
            parsed = [(q, _line(node, ("questions", i)), node, i) for q, i in qs]
            file_cases = [(c, _line(node, ("cases", i)), node, i) for c, i in cs]
        for q, line, qnode, i in parsed:
            if unique(q.id, shown, line, "question"):

                def line_of(field: str, qnode: Any = qnode, i: int = i, line: int = line) -> int:
                    return _line(qnode, ("questions", i, field)) if qnode is not None else line

                asked = _asked(q, quiz_id(q.id), None, shown, line_of, f"question {i + 1} {q.id!r}", problems)
                if asked is not None:
                    questions.append(asked)
                    notes += _notes(q, q.format, shown, line, f"question {i + 1} {q.id!r}")
                    if (same := _builtin_prompts().get(_plain_key(asked.prompt))) and not only:
                        notes.append(
                            Problem(
                                shown, line, f"question {i + 1} {q.id!r}: asks what built-in question {same!r} asks"
                            )
                        )
        for c, line, node, i in file_cases:
            if not unique(c.id, shown, line, "case"):
                continue
            tc = _case(c, shown, node, i, problems)
            if tc is not None:
                cases.append(tc)
                notes += _notes(c, c.format, shown, line, f"case {i + 1} {c.id!r}")
    if problems:
        return None, sorted(problems)
    return Folder(root, tuple(questions), tuple(cases), only, tuple(sorted(notes))), []


def _texts(item: Any) -> Iterator[str]:
    """Every text a question or case shows (prompt, options, feedback, vignette, steps)."""
    for name in ("prompt", "vignette", "feedback", "feedback_true", "feedback_false", "wrong_feedback"):
        text = getattr(item, name, "")
        if text:
            yield text
    for part in (*getattr(item, "options", ()), *getattr(item, "numbers", ()), *getattr(item, "accepted", ())):
        yield getattr(part, "text", "")
        yield part.feedback
    for step in getattr(item, "steps", ()):
        yield from _texts(step)


def _plain_key(prompt: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", prompt.casefold()).split())


@functools.cache
def _builtin_prompts() -> dict[str, str]:
    """The built-in quiz's prompts, by their words: served beside them, a copy is asked twice."""
    from alledu.content_loader import content

    return {_plain_key(q.prompt): q.id for q in content().quiz.questions}


def _notes(item: Any, fmt: str, shown: str, line: int, label: str) -> list[Problem]:
    """What a teacher may not expect: Markdown images are not shown (the lessons are offline) and
    raw HTML in Markdown shows as typed. Said by `content check`, never blocking."""
    if fmt != "markdown":
        return []
    texts = list(_texts(item))
    out = []
    if any(IMAGE.search(t) for t in texts):
        out.append(Problem(shown, line, f"{label}: an image (![...](...)) is shown as a link, not as a picture"))
    if any(RAW_HTML.search(t) for t in texts):
        out.append(Problem(shown, line, f"{label}: HTML in Markdown text is shown as typed (or use format: html)"))
    return out


def _gift_line(read: Any, i: int) -> int:
    lines = getattr(read, "lines", None)
    return lines[i] if lines and i < len(lines) else 0


def _asked(
    q: Question, qid: str, patient: dict[str, Any] | None, shown: str, line_of: Any, label: str, problems: list[Problem]
) -> Asked | None:
    """The question ready to ask, or its problem (an unknown citation, a patient or regimen the
    domain refuses), at the line of the field concerned."""
    unknown = _cites_known(q.cite)
    if unknown:
        from alledu.content_loader import content

        accepted = ", ".join(sorted(content().citations))
        problems.append(
            Problem(shown, line_of("cite"), f"{label}: cite: unknown key {unknown[0]!r} (accepted: {accepted})")
        )
        return None
    try:
        return ask(q, qid, patient)
    except (InvalidInput, ContentError, TypeError, ValueError, KeyError) as exc:
        problems.append(Problem(shown, line_of("computed"), f"{label}: {_domain_message(exc)}"))
        return None


def _case(c: Case, shown: str, node: yaml.Node | None, i: int, problems: list[Problem]) -> TeacherCase | None:
    label = f"case {i + 1} {c.id!r}"
    try:
        check_patient(c.patient)
    except InvalidInput as exc:
        problems.append(Problem(shown, _line(node, ("cases", i, "patient")), f"{label}: patient: {exc}"))
        return None
    before = len(problems)
    cid = quiz_id(c.id)
    steps = [  # keyed by the teacher's step ids: answers stay with their step if steps are reordered
        _asked(
            step,
            f"{cid}/{step.id}",
            c.patient,
            shown,
            lambda field, j=j: _line(node, ("cases", i, "steps", j, field)),
            f"{label} step {j + 1} {step.id!r}",
            problems,
        )
        for j, step in enumerate(c.steps)
    ]
    unknown = _cites_known(c.cite)
    if unknown:
        problems.append(Problem(shown, _line(node, ("cases", i, "cite")), f"{label}: cite: unknown key {unknown[0]!r}"))
    if len(problems) > before:
        return None
    return TeacherCase(cid, c, tuple(s for s in steps if s is not None), to_html(c.vignette, c.format))


def load(root: Path, only: bool = False) -> Folder:
    """The checked folder, or ContentProblems listing every problem."""
    folder, problems = check(root, only)
    if folder is None:
        raise ContentProblems(problems)
    return folder


# ---- serving: the folder named by the environment, re-read when it changes ------------------------
_current: dict[str, tuple[str, Folder]] = {}


def fingerprint(root: Path) -> str:
    """Names, sizes and change times of the content files: a change means read again."""
    h = hashlib.sha256()
    for p in files(root):
        try:
            st = p.stat()
        except OSError:  # removed while listed: the next read says what is left
            continue
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _snapshot_path(root: Path) -> Path:
    """Where the last good version is kept for kernels that start after a broken edit."""
    from platformdirs import user_cache_dir

    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[: MAX_FILES // 10]
    return Path(user_cache_dir("alledu")) / f"content-{key}.json"


def _save_snapshot(root: Path) -> None:
    """The folder's files as they were when good (a broken edit later is read from here)."""
    snap = {str(p.relative_to(root)): p.read_text("utf-8-sig") for p in files(root)}
    path = _snapshot_path(root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(snap), "utf-8")
        tmp.replace(path)
    except OSError as exc:  # a read-only cache: the last good version lives in this process only
        log.warning("alledu: cannot keep the last good content at %s (%s)", path, exc)


def _from_snapshot(root: Path, only: bool) -> Folder | None:
    import tempfile

    try:
        snap = json.loads(_snapshot_path(root).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    with tempfile.TemporaryDirectory(prefix="alledu-content-") as tmp:
        for name, text in snap.items():
            target = Path(tmp, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8")
        folder, _ = check(Path(tmp), only)
    return dataclasses.replace(folder, path=root) if folder is not None else None


def teacher_content(environ: typing.Mapping[str, str] = os.environ) -> Folder | None:
    """The teacher's folder named by $ALLEDU_CONTENT, as of now; None without one.

    Read again when a file changed. A version with problems is not used: the last good one is
    kept (from this process, or from the snapshot `alledu serve` saved) and the log says why.
    """
    name = environ.get(ENV)
    if not name:
        return None
    root = Path(name)
    only = environ.get(ENV_ONLY) == "1"
    stamp = fingerprint(root) if root.is_dir() else "missing"
    kept = _current.get(name)
    if kept and kept[0] == stamp:
        return kept[1]
    try:
        folder, problems = check(root, only)
    except Exception as exc:  # a bug or the disk: the lessons go on with what was good, and the log says why
        folder, problems = None, [Problem(str(root), 0, f"could not be read ({type(exc).__name__}: {exc})")]
    if folder is not None:
        _current[name] = (stamp, folder)
        _save_snapshot(root)
        return folder
    last = kept[1] if kept else _from_snapshot(root, only)
    log.warning(
        "alledu: content folder %s has %d problem(s); %s:\n%s",
        root,
        len(problems),
        "keeping the last good version" if last else "no good version to keep, teacher content left out",
        "\n".join(str(p) for p in problems),
    )
    if last is not None:
        _current[name] = (stamp, last)
    return last


def iter_asked(folder: Folder | None) -> Iterator[Asked]:
    """Every question a class can answer from the folder: quiz questions, then case steps."""
    if folder is None:
        return
    yield from folder.questions
    for c in folder.cases:
        yield from c.steps


def case_facts(c: TeacherCase) -> str:
    """The case's patient, as plain text."""
    from alledu.eligibility import field_label, quantity

    return ", ".join(f"{field_label(k)[0]}: {quantity(k, v)}" for k, v in c.patient.items())
