"""Moodle GIFT in and out: a teacher's question bank travels between Moodle and alledu.

Why: teachers already keep their questions in Moodle, and GIFT is the plain-text form Moodle
imports and exports. Moodle's own reader (question/format/gift/format.php) slices strings and
drops what it does not understand; this one reads each question with a lark grammar (LALR, with
a contextual lexer, so `#`, `=`, `~`, `%50%` or `T` mean what they mean where they stand), so
every mistake comes back as a `Problem` with its line, the value and what is accepted, and what
`write` produces reads back to the same questions (tests/test_gift.py checks it property-wise).

Reading follows Moodle's semantics:

- Questions are separated by blank lines; a line whose text starts with `//` is a comment.
  `$CATEGORY: name` (the first line of a block) sets the category of the questions after it;
  an empty name means no category. This pre-pass is line code; a question block is parsed by
  the grammar `GRAMMAR`.
- `::title::` (optional), the question text, one answer block `{...}`. Escapes `\\~ \\= \\# \\{
  \\} \\: \\\\` give the character, `\\n` a newline; any other backslash stays as written.
  Texts are trimmed, as Moodle trims them.
- Kinds read: multiple choice (`single` when an option starts with `=`, else `multiple`),
  true/false, short answer, numeric. Not read, each reported as a Problem on the question's
  first line: matching, essay, missing word (text after the block), description (no block).
- One text format per question in our model: the question text's prefix decides it
  (`[markdown]`, `[html]`; `[plain]`, `[moodle]` or none: plain). A prefix on an option or a
  feedback is removed and otherwise ignored.
- Stricter than Moodle: a weight that is not a number from -100 to 100 (`%abc%`, `%150%`) is
  an error, not text; two `=` options in a multiple choice are an error (our single choice has
  one right option); whatever the model refuses is reported, not imported.
- Ids: the title's slug (lowercase, runs of characters other than a-z 0-9 _ - become `_`,
  leading `_`/`-` and trailing `_` stripped, 64 characters at most), else `<file stem>_<n>`
  with n the question's ordinal in the file; a repeated id gets `_2`, `_3`...

`GiftRead.lines` holds the first line of each question read (for messages about it later).

Writing: `$CATEGORY:` when the category changes (an empty one when it goes back to none; the
name on one line), `::title::` (the id when there is no title),
a `[markdown]`/`[html]` prefix, reserved characters escaped, one blank line between questions.
`cite`, `source` and `unit` have no GIFT form: they are written as `//` comment lines (and not
read back). A short-answer text or feedback containing `->` cannot be written (Moodle would
read a matching question): ValueError, as for a computed question.
"""

from __future__ import annotations

import dataclasses
import decimal
import math
import pathlib
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import lark
from lark import Token, Tree
from pydantic import TypeAdapter, ValidationError

from alledu.authoring.model import AUTHORING_LIMITS, Question
from alledu.authoring.problems import Problem

GIFT_LIMITS: dict[str, int] = {"id": 64, "shown": 40}  # an id's length (model.ID), a bad value quoted
MAX_BYTES = int(AUTHORING_LIMITS["file_bytes"])  # one file, YAML or GIFT
KINDS_READ = "single, multiple, truefalse, numeric, short"

GRAMMAR = r"""
// One question block (comment lines and the $CATEGORY line already removed).
start: title? prompt? (block tail?)?

title: TITLE_MARK TITLE? TITLE_MARK
prompt: FORMAT QTEXT? | QTEXT
tail: QTEXT                                   // text after the block: Moodle's "missing word"

block: LBRACE body general? RBRACE
body:                                         -> essay
    | HASH num_first? num_more* num_wrong?    -> numeric
    | TF feedback? feedback?                  -> truefalse
    | bare item*                              -> items
    | item+                                   -> items

num_first: num_spec feedback?                 // {#3.5:0.1} - the first answer may omit =
num_more: EQUALS WEIGHT? num_spec feedback?
num_wrong: TILDE feedback?                    // ~#feedback for any other answer
num_spec: NUM (COLON NUM | RANGE NUM)?        // value, value:tolerance, min..max

bare: WEIGHT? FORMAT? itext feedback?         // {Paris}: an answer without = or ~
item: (TILDE | EQUALS) WEIGHT? FORMAT? itext? feedback?
itext: (ITEXT | ARROW)+                       // ARROW: a matching item (=a -> b)
feedback: HASH FORMAT? FBTEXT?
general: GF FORMAT? QTEXT?                    // ####general feedback

TITLE_MARK.2: "::"
FORMAT.2: /\[(markdown|html|plain|moodle)\]/
WEIGHT.2: /%[^%\s{}~=#\\]*%/
TF.2: /(TRUE|FALSE|T|F)(?=\s*[#}])/
LBRACE: "{"
RBRACE: "}"
GF: "####"
HASH: "#"
TILDE: "~"
EQUALS: "="
COLON: ":"
RANGE: ".."
ARROW: "->"
// Texts start with a non-space (spaces between tokens are ignored) and keep escapes paired.
TITLE: /(?:[^\s\\:]|:(?!:)|\\(?:[\s\S]|\Z))(?:[^\\:]|:(?!:)|\\(?:[\s\S]|\Z))*/
QTEXT: /(?:[^\s\\{}]|\\(?:[\s\S]|\Z))(?:[^\\{}]|\\(?:[\s\S]|\Z))*/
FBTEXT: /(?:[^\s\\{}#=~]|\\(?:[\s\S]|\Z))(?:[^\\{}#=~]|\\(?:[\s\S]|\Z))*/
ITEXT: /(?:[^\s\\{}#=~-]|-(?!>)|\\(?:[\s\S]|\Z))(?:[^\\{}#=~-]|-(?!>)|\\(?:[\s\S]|\Z))*/
NUM: /(?:[^\s\\{}#=~:.%]|\.(?!\.))+/
WS: /\s+/
%ignore WS
"""

_CATEGORY: TypeAdapter[str | None] = TypeAdapter(Question.model_fields["category"].annotation)
_PARSER = lark.Lark(GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=False)

FORMATS = {"[markdown]": "markdown", "[html]": "html", "[plain]": "plain", "[moodle]": "plain"}
_TAGS = {"markdown": "[markdown]", "html": "[html]", "plain": "[plain]"}
_ESCAPES = {"~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "\\": "\\", "n": "\n"}
_ESCAPE_RE = re.compile(r"\\([\s\S])")
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_NAMES = {  # terminals as a teacher reads them, for syntax errors
    "TITLE_MARK": "::",
    "FORMAT": "a format such as [markdown]",
    "WEIGHT": "a weight such as %50%",
    "TF": "T or F",
    "LBRACE": "{",
    "RBRACE": "}",
    "GF": "####",
    "HASH": "#",
    "TILDE": "~",
    "EQUALS": "=",
    "COLON": ":",
    "RANGE": "..",
    "ARROW": "->",
    "TITLE": "a title",
    "QTEXT": "text",
    "FBTEXT": "a feedback",
    "ITEXT": "an answer",
    "NUM": "a number",
    "$END": "the end of the question",
}


@dataclasses.dataclass
class GiftRead:
    """What a GIFT file gave: the questions read, every problem found, and (`lines`) the
    first line of each question in the file."""

    questions: list[Question]
    problems: list[Problem]
    lines: list[int] = dataclasses.field(default_factory=list)


class _Bad(Exception):
    """A problem in one question, at a line of the file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# ---- reading ------------------------------------------------------------------------------------
def read_file(path: pathlib.Path) -> GiftRead:
    """Read a .gift file: too large (more than MAX_BYTES), not UTF-8 or with NUL bytes -> one
    Problem and no questions. Never raises for the file's content (nor for an unreadable file)."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return GiftRead([], [Problem(name, 0, _too_large(size))])
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        return GiftRead([], [Problem(name, 0, f"cannot be read ({exc.strerror or type(exc).__name__})")])
    if len(raw) > MAX_BYTES:
        return GiftRead([], [Problem(name, 0, _too_large(len(raw)))])
    nul = raw.find(b"\x00")
    if nul >= 0:
        return GiftRead([], [Problem(name, _line_at(raw, nul), "not a text file (a NUL byte; accepted: UTF-8 text)")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = f"byte 0x{raw[exc.start]:02x}"
        return GiftRead([], [Problem(name, _line_at(raw, exc.start), f"not UTF-8 text ({bad}; accepted: UTF-8)")])
    return parse(text, name)


def _too_large(size: int) -> str:
    return f"file too large ({size:,} bytes; accepted: up to {MAX_BYTES:,})"


def _line_at(raw: bytes, index: int) -> int:
    return raw.count(b"\n", 0, index) + 1


def parse(text: str, name: str = "<gift>") -> GiftRead:
    """Read GIFT text: the questions of the kinds we support, and a Problem for everything else
    (each bad question is skipped, the following ones are still read). Never raises."""
    read = GiftRead([], [])
    stem = _slug(pathlib.PurePath(name).stem) or "q"
    taken: set[str] = set()
    category: str | None = None
    ordinal = 0
    for kind, first, payload in _blocks(text):
        if kind == "category":
            category = payload or None
            try:
                _CATEGORY.validate_python(category)
            except ValidationError as exc:  # said once, at its line; the questions after it have none
                read.problems.append(Problem(name, first, f"category: {_validation_message(exc)}"))
                category = None
            continue
        ordinal += 1
        lines: list[tuple[int, str]] = payload
        try:
            fields = _question(lines)
        except _Bad as bad:
            read.problems.append(Problem(name, bad.line, bad.message))
            continue
        except ValidationError as exc:
            read.problems.append(Problem(name, first, _validation_message(exc)))
            continue
        except Exception as exc:  # a safety net: one question must not stop the file
            read.problems.append(Problem(name, first, f"this question could not be read ({type(exc).__name__})"))
            continue
        qid = _unique(_slug(fields.get("title") or "") or _cut(stem, f"_{ordinal}"), taken)
        try:
            question = Question(id=qid, category=category, **fields)
        except ValidationError as exc:
            read.problems.append(Problem(name, first, _validation_message(exc)))
            continue
        taken.add(qid)
        read.questions.append(question)
        read.lines.append(first)
    return read


def _blocks(text: str) -> Iterator[tuple[str, int, Any]]:
    """The pre-pass: ("category", line, name) and ("question", first line, [(line, text)...]),
    blank lines separating blocks, comment lines dropped, line numbers kept."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    block: list[tuple[int, str]] = []
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped:
            block.append((number, line))
            continue
        if not block:
            continue
        if block[0][1].strip().startswith("$CATEGORY:"):
            yield "category", block[0][0], block[0][1].strip()[len("$CATEGORY:") :].strip()
            block = block[1:]
        if block:
            yield "question", block[0][0], block
        block = []


def _question(lines: list[tuple[int, str]]) -> dict[str, Any]:
    """One question block -> the fields of a Question (no id, no category), or _Bad."""
    src = "\n".join(t for _, t in lines)

    def at(line: int | None) -> int:
        return lines[min(max((line or 1) - 1, 0), len(lines) - 1)][0]

    try:
        tree = _PARSER.parse(src)
    except lark.exceptions.UnexpectedInput as exc:
        line, message = _syntax_message(exc)
        raise _Bad(at(line), message) from None
    return _Build(src, at, lines[0][0]).question(tree)


def _syntax_message(exc: lark.exceptions.UnexpectedInput) -> tuple[int | None, str]:
    """A lark error as (block line, message) a teacher can act on."""
    state = getattr(getattr(exc, "interactive_parser", None), "parser_state", None)
    values = list(getattr(state, "value_stack", []))
    opened = {v.type: v for v in values if isinstance(v, Token)}  # tokens of rules not yet complete
    brace, mark = opened.get("LBRACE"), opened.get("TITLE_MARK")
    if isinstance(exc, lark.exceptions.UnexpectedToken):
        token = exc.token
        expected = sorted({_NAMES.get(t, t) for t in exc.expected if t in _NAMES})
        line = token.line if isinstance(token.line, int) else None
        kind = token.type
    else:
        line = getattr(exc, "line", None)
        kind, expected = "", sorted({_NAMES.get(t, t) for t in getattr(exc, "allowed", ()) or () if t in _NAMES})
        token = Token("CHAR", getattr(exc, "char", "?"))
    kind = {"{": "LBRACE", "}": "RBRACE"}.get(str(token.value)[:1], kind)  # the root lexer's guess may be longer
    if kind == "$END" and brace is not None:
        return (
            brace.line,
            "the answer block opened with { is not closed (accepted: a } at its end; \\{ for a { in text)",
        )
    if kind == "$END" and mark is not None and "TITLE_MARK" in getattr(exc, "expected", ()):
        return mark.line, "the title opened with :: is not closed (accepted: ::title:: then the question)"
    if kind == "RBRACE" and brace is None:
        return line, "a } with no { before it (accepted: \\} for a } in text)"
    if kind == "LBRACE" and brace is not None:
        return line, f"a {{ inside the answer block opened on line {brace.line} (accepted: \\{{ for a {{ in text)"
    if kind == "LBRACE":
        return line, "a second answer block (accepted: one {...} per question; \\{ for a { in text)"
    value = str(token.value)
    if value[:1] in _ESCAPES:
        value = value[:1]
    shown = value if len(value) <= GIFT_LIMITS["shown"] else value[: GIFT_LIMITS["shown"]] + "…"
    what = "the end of the question" if kind == "$END" else f"{shown!r}"
    hint = f"; \\{value} for a {value} in text" if value in _ESCAPES and value != "n" else ""
    where = " in the answer block" if brace is not None else ""
    return line, f"unexpected {what}{where} (accepted: {' or '.join(expected) or 'nothing here'}{hint})"


class _Build:
    """Walks the parse tree of one question and checks what the grammar cannot (numbers,
    weights, the kind's rules); line numbers are the file's."""

    def __init__(self, src: str, at: Callable[[int | None], int], first: int) -> None:
        self.src, self.at, self.first = src, at, first

    def question(self, tree: Tree) -> dict[str, Any]:
        parts = {c.data if isinstance(c, Tree) else c.type: c for c in tree.children}
        fields: dict[str, Any] = {"format": "plain"}
        title = parts.get("title")
        if isinstance(title, Tree):
            fields["title"] = self.text(_tokens(title, "TITLE")) or None
        prompt = parts.get("prompt")
        if isinstance(prompt, Tree):
            tag = _tokens(prompt, "FORMAT")
            if tag:
                fields["format"] = FORMATS[tag[0].value]
            fields["prompt"] = self.text(_tokens(prompt, "QTEXT"))
        block = parts.get("block")
        if not isinstance(block, Tree):
            raise _Bad(self.first, self.unsupported("description", "no answer block {...}"))
        body = block.children[1]
        assert isinstance(body, Tree)
        kind = self.kind(body)
        if kind in ("essay", "matching"):
            raise _Bad(self.first, self.unsupported(kind, ""))
        if "tail" in parts:
            raise _Bad(self.first, self.unsupported("missing-word", "text after the answer block's }"))
        if not fields.get("prompt"):
            raise _Bad(self.first, "the question has no text before its answer block (accepted: text then {...})")
        general = [c for c in block.children if isinstance(c, Tree) and c.data == "general"]
        if general:
            fields["feedback"] = self.text(_tokens(general[0], "QTEXT"))
        return fields | getattr(self, kind)(body)

    def kind(self, body: Tree) -> str:
        """essay, numeric, truefalse, matching, or choice / short (the `items` forms)."""
        if body.data != "items":
            return str(body.data)
        items = [c for c in body.children if isinstance(c, Tree)]
        markers = {_marker(c) for c in items}
        arrow = any(t.type == "ARROW" for c in items for t in _itext(c))
        if "TILDE" in markers:
            return "choice"
        return "matching" if arrow and "EQUALS" in markers else "short"

    def unsupported(self, kind: str, why: str) -> str:
        article = "an" if kind[0] in "aeiou" else "a"
        return f"{article} {kind} question is not supported ({why + '; ' if why else ''}kinds read: {KINDS_READ})"

    def text(self, tokens: list[Token]) -> str:
        """The source between the first and the last token, unescaped and trimmed."""
        if not tokens:
            return ""
        raw = self.src[tokens[0].start_pos : tokens[-1].end_pos]
        return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), raw).strip()

    def feedback(self, tree: Tree | None) -> str:
        return self.text(_tokens(tree, "FBTEXT")) if tree is not None else ""

    def weight(self, token: Token) -> float:
        inner = token.value[1:-1]
        line = self.at(token.line)
        if not _DECIMAL.fullmatch(inner):
            raise _Bad(line, f"weight {token.value} is not a number (accepted: a percent from -100 to 100, e.g. %50%)")
        w = float(inner)
        if not -100 <= w <= 100:
            raise _Bad(line, f"weight {token.value} is out of range (accepted: a percent from -100 to 100)")
        return w

    def number(self, token: Token, what: str) -> float:
        line = self.at(token.line)
        if not _DECIMAL.fullmatch(token.value):
            raise _Bad(line, f"{what} {token.value!r} is not a number (accepted: numbers like 3.5, -2 or 1e-3)")
        x = float(token.value)
        if not math.isfinite(x):
            raise _Bad(line, f"{what} {token.value!r} is too large (accepted: a finite number)")
        return x

    # -- the kinds (method names are the grammar's kind names) -------------------------------
    def choice(self, body: Tree) -> dict[str, Any]:
        rows = [c for c in body.children if isinstance(c, Tree)]
        single = any(_marker(r) == "EQUALS" for r in rows)
        options: list[dict[str, Any]] = []
        for r in rows:
            weight_tok = _first(r, "WEIGHT")
            line = self.at(_start(r).line)
            if _marker(r) == "EQUALS":
                # Moodle: `=` is the right answer; what follows it, a %..% included, is its text
                texts = [t for t in r.children if isinstance(t, Token) and t.type in ("WEIGHT", "FORMAT")]
                body_tokens = [*texts, *_itext(r)] if weight_tok is not None else _itext(r)
                option_text, weight = self.text(body_tokens), 100.0
            else:
                option_text = self.text(_itext(r))
                weight = self.weight(weight_tok) if weight_tok is not None else 0.0
            if not option_text:
                raise _Bad(line, f"option {len(options) + 1} has no text (accepted: ~text, =text or ~%50%text)")
            options.append({"text": option_text, "weight": weight, "feedback": self.feedback(_sub(r, "feedback"))})
        if single and sum(o["weight"] == 100 for o in options) > 1:
            raise _Bad(
                self.first,
                "more than one option is right (100%) in a single choice (accepted: one =right option; "
                "for several right answers use ~%50% weights and no =)",
            )
        return {"kind": "single" if single else "multiple", "options": tuple(options)}

    def short(self, body: Tree) -> dict[str, Any]:
        accepted: list[dict[str, Any]] = []
        for r in (c for c in body.children if isinstance(c, Tree)):
            weight_tok = _first(r, "WEIGHT")
            answer = self.text(_itext(r))
            if not answer:
                line = self.at(_start(r).line)
                raise _Bad(line, f"answer {len(accepted) + 1} has no text (accepted: =text or =%50%text)")
            weight = self.weight(weight_tok) if weight_tok is not None else 100.0
            accepted.append({"text": answer, "weight": weight, "feedback": self.feedback(_sub(r, "feedback"))})
        return {"kind": "short", "accepted": tuple(accepted)}

    def truefalse(self, body: Tree) -> dict[str, Any]:
        answer = str(_start(body).value) in ("T", "TRUE")
        feedbacks = [self.feedback(c) for c in body.children if isinstance(c, Tree)] + ["", ""]
        wrong, right = feedbacks[0], feedbacks[1]
        return {
            "kind": "truefalse",
            "answer": answer,
            "feedback_true": right if answer else wrong,
            "feedback_false": wrong if answer else right,
        }

    def numeric(self, body: Tree) -> dict[str, Any]:
        numbers: list[dict[str, Any]] = []
        wrong = ""
        for r in (c for c in body.children if isinstance(c, Tree)):
            if r.data == "num_wrong":
                wrong = self.feedback(_sub(r, "feedback"))
                continue
            weight_tok = _first(r, "WEIGHT")
            spec = _sub(r, "num_spec")
            assert spec is not None
            nums = _tokens(spec, "NUM")
            ranged = _first(spec, "RANGE") is not None
            form: dict[str, Any] = {"value": self.number(nums[0], "the minimum" if ranged else "the answer")}
            if _first(spec, "COLON") is not None:
                form["tolerance"] = self.number(nums[1], "the tolerance")
                if form["tolerance"] < 0:
                    raise _Bad(self.at(nums[1].line), f"tolerance {nums[1].value} is negative (accepted: 0 or more)")
            elif ranged:
                low, high = form.pop("value"), self.number(nums[1], "the maximum")
                if low > high:
                    where = self.at(nums[0].line)
                    raise _Bad(where, f"range {nums[0].value}..{nums[1].value} has min > max (accepted: min..max)")
                form |= {"min": low, "max": high}
            weight = self.weight(weight_tok) if weight_tok is not None else 100.0
            numbers.append(form | {"weight": weight, "feedback": self.feedback(_sub(r, "feedback"))})
        if not numbers:
            raise _Bad(
                self.first, "a numeric question with no answer (accepted: {#3.5:0.1}, {#1..5} or {#=3.5 =%50%4})"
            )
        return {"kind": "numeric", "numbers": tuple(numbers), "wrong_feedback": wrong}


def _tokens(tree: Tree | None, kind: str) -> list[Token]:
    return [c for c in tree.children if isinstance(c, Token) and c.type == kind] if tree is not None else []


def _marker(row: Tree) -> str | None:
    """TILDE or EQUALS for an `item` row; None for a `bare` one."""
    first = row.children[0] if row.data == "item" else None
    return first.type if isinstance(first, Token) else None


def _start(tree: Tree) -> Token:
    """The first token of a subtree (for its line)."""
    return next(v for v in tree.scan_values(lambda v: isinstance(v, Token)))


def _first(tree: Tree, kind: str) -> Token | None:
    found = _tokens(tree, kind)
    return found[0] if found else None


def _sub(tree: Tree, data: str) -> Tree | None:
    return next((c for c in tree.children if isinstance(c, Tree) and c.data == data), None)


def _itext(row: Tree) -> list[Token]:
    found = _sub(row, "itext")
    return [t for t in found.children if isinstance(t, Token)] if found is not None else []


def _validation_message(exc: ValidationError) -> str:
    """A pydantic error as one short line: where (option 2 text...) and what."""
    said = []
    for err in exc.errors()[:3]:
        where = " ".join(str(p + 1) if isinstance(p, int) else str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "string_too_long":
            msg = f"{len(err['input'])} characters (accepted: up to {err['ctx']['max_length']})"
        said.append(f"{where}: {msg}" if where else msg)
    return "; ".join(said)


def _slug(title: str) -> str:
    """The id a title gives: lowercase, other characters -> `_`, at most 64 characters."""
    slug = re.sub(r"[^a-z0-9_-]+", "_", title.lower()).lstrip("_-").rstrip("_")
    return slug[: GIFT_LIMITS["id"]]


def _unique(qid: str, taken: set[str]) -> str:
    """`qid`, or `qid_2`, `qid_3`... when already taken in this file."""
    n, candidate = 1, qid
    while candidate in taken:
        n += 1
        candidate = _cut(qid, f"_{n}")
    return candidate


def _cut(base: str, suffix: str) -> str:
    """`base` + `suffix`, `base` shortened so the id stays within 64 characters."""
    return base[: GIFT_LIMITS["id"] - len(suffix)] + suffix


# ---- writing ------------------------------------------------------------------------------------
def write(questions: Iterable[Question]) -> str:
    """GIFT text for the questions (kinds single, multiple, truefalse, numeric, short) that
    `parse` reads back to the same questions. ValueError for a computed question (resolve it
    first) and for `->` in a short answer (Moodle would read a matching question)."""
    chunks: list[str] = []
    category: str | None = None
    for q in questions:
        if q.kind == "computed":
            raise ValueError(f"question {q.id}: a computed question has no GIFT form (resolve its answer first)")
        if q.category != category:
            chunks.append(f"$CATEGORY: {' '.join((q.category or '').split())}".rstrip() + "\n")
            category = q.category
        chunks.append(_write_question(q))
    return "\n".join(chunks)


def _write_question(q: Question) -> str:
    """One question: its comment lines, then `::title::text{answers}` (one answer a line)."""
    out = [f"// {label}: {' '.join(value.split())}" for label, value in _comments(q) if value]
    prompt_tag = _tag(q.prompt, q.format, always=q.format != "plain")
    head = f"::{_esc(q.title or q.id)}::{prompt_tag}{_esc(q.prompt)}"
    fb = _Writer(q.format)
    general = f"####{fb.text(q.feedback)}" if q.feedback else ""
    if q.kind == "truefalse":
        right, wrong = (q.feedback_true, q.feedback_false) if q.answer else (q.feedback_false, q.feedback_true)
        marks = (f"#{fb.text(wrong)}" if wrong or right else "") + (f"#{fb.text(right)}" if right else "")
        out.append(f"{head}{{{'TRUE' if q.answer else 'FALSE'}{marks}{general}}}")
        return "\n".join(out) + "\n"
    rows = [f"{head}{{#" if q.kind == "numeric" else f"{head}{{"]
    if q.kind in ("single", "multiple"):
        for o in q.options:
            if q.kind == "single" and o.weight == 100:
                mark = "="
            else:
                shown = o.weight != 0 or o.text.lstrip().startswith("%")
                mark = f"~%{_percent(o.weight)}%" if shown else "~"
            rows.append(f"\t{mark}{fb.text(o.text)}{fb.feedback(o.feedback)}")
    elif q.kind == "short":
        for a in q.accepted:
            if "->" in a.text or "->" in a.feedback:
                raise ValueError(
                    f"question {q.id}: '->' in a short answer cannot be written in GIFT (Moodle reads matching)"
                )
            shown = a.weight != 100 or a.text.lstrip().startswith("%")
            rows.append(f"\t={f'%{_percent(a.weight)}%' if shown else ''}{fb.text(a.text)}{fb.feedback(a.feedback)}")
    else:
        for n in q.numbers:
            weight = f"%{_percent(n.weight)}%" if n.weight != 100 else ""
            if n.value is not None:
                spec = f"{_number(n.value)}:{_number(n.tolerance)}"
            else:
                spec = f"{_number(n.min or 0)}..{_number(n.max or 0)}"
            rows.append(f"\t={weight}{spec}{fb.feedback(n.feedback)}")
        if q.wrong_feedback:
            rows.append(f"\t~{fb.feedback(q.wrong_feedback)}")
    if general:
        rows.append(f"\t{general}")
    rows.append("}")
    return "\n".join(out + rows) + "\n"


def _comments(q: Question) -> list[tuple[str, str | None]]:
    """What GIFT cannot hold, kept as `// label: value` lines."""
    return [("source", q.source), ("cite", ", ".join(q.cite)), ("unit", q.unit)]


class _Writer:
    """Option and feedback texts of one question (its format decides a protective prefix)."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt

    def text(self, text: str) -> str:
        return _tag(text, self.fmt, always=False) + _esc(text)

    def feedback(self, text: str) -> str:
        return f"#{self.text(text)}" if text else ""


def _tag(text: str, fmt: str, always: bool) -> str:
    """The format prefix to write before `text`: always for the question's own format when it
    is not plain, and whenever the text itself starts like a prefix (so it is not taken for one)."""
    if always or text.lstrip().startswith(tuple(FORMATS)):
        return _TAGS[fmt]
    return ""


def _esc(text: str) -> str:
    """GIFT's escapes: backslash first, then ~ = # { } :, and newlines as \\n."""
    text = text.replace("\\", "\\\\")
    for c in "~=#{}:":
        text = text.replace(c, "\\" + c)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _number(x: float) -> str:
    """A number that reads back exactly (repr), without a trailing .0."""
    s = repr(float(x))
    return s[:-2] if s.endswith(".0") else s


def _percent(x: float) -> str:
    """A weight without exponent (Moodle's %..% accepts digits and a point), reading back exactly."""
    s = format(decimal.Decimal(repr(float(x))), "f")
    return s[:-2] if s.endswith(".0") else s
