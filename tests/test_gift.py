"""Moodle GIFT in and out (alledu.authoring.gift): every syntax, the errors a teacher makes, a
write -> parse round trip on generated questions, fuzzing, and a large file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alledu.authoring import gift
from alledu.authoring.model import Accepted, Computed, Number, Option, Question
from alledu.authoring.problems import Problem

DATA = Path(__file__).parent / "data" / "gift"
KINDS = "kinds read: single, multiple, truefalse, numeric, short"


def Q(qid: str, kind: str, prompt: str, **kw: Any) -> Question:
    """A Question as the reader gives it: plain format unless said."""
    return Question(id=qid, kind=kind, prompt=prompt, **({"format": "plain"} | kw))


IMMUNO, GENETICS = "relapse/immunotherapy", "genetics"
EVERY_SYNTAX = [
    Q(
        "blinatumomab_target",
        "single",
        "Blinatumomab binds which antigen?",
        title="Blinatumomab target",
        category=IMMUNO,
        options=(
            Option(text="CD19", weight=100, feedback="Right: a BiTE for CD19 and CD3."),
            Option(text="CD20", feedback="That is rituximab's target."),
            Option(text="CD22"),
        ),
        feedback="Blinatumomab is a bispecific T-cell engager.",
    ),
    Q(
        "partial_credit",
        "multiple",
        "Which are **CAR-T** products?",
        title="Partial credit",
        format="markdown",
        category=IMMUNO,
        options=(
            Option(text="tisagenlecleucel", weight=50, feedback="yes"),
            Option(text="brexucabtagene autoleucel", weight=50),
            Option(text="inotuzumab ozogamicin", weight=-33.33333, feedback="an antibody-drug conjugate"),
            Option(text="cytarabine", weight=-100, feedback="a cytotoxic"),
        ),
    ),
    Q(
        "thirds",
        "multiple",
        "Which drugs target CD22 or CD19?",
        title="Thirds",
        category=IMMUNO,
        options=(
            Option(text="inotuzumab", weight=33.33333),
            Option(text="blinatumomab", weight=33.33333),
            Option(text="tisagenlecleucel", weight=33.33333),
            Option(text="imatinib", weight=-50),
        ),
    ),
    Q(
        "rounding",
        "numeric",
        "<p>Dose: <b>1.5</b> mg. Round to 0.1 mg?</p>",
        title="Rounding",
        format="html",
        category=IMMUNO,
        numbers=(Number(value=1.5, tolerance=0.05),),
        feedback="Round to what the syringe measures.",
    ),
    Q(
        "range",
        "numeric",
        "Days between two blocks?",
        title="Range",
        category=IMMUNO,
        numbers=(Number(min=21, max=28),),
    ),
    Q(
        "several_numbers",
        "numeric",
        "Weight in kg of a typical 9-year-old?",
        title="Several numbers",
        category=IMMUNO,
        numbers=(
            Number(value=30, tolerance=2, feedback="typical"),
            Number(value=30, tolerance=5, weight=50, feedback="close enough"),
        ),
        wrong_feedback="Look at the growth chart.",
    ),
    Q("exact", "numeric", "How many blocks?", title="Exact", category=IMMUNO, numbers=(Number(value=3),)),
    Q(
        "every_syntax_8",
        "truefalse",
        "Relapse is always in the marrow.",
        category=IMMUNO,
        answer=False,
        feedback_true="It can be extramedullary.",
        feedback_false="Right.",
    ),
    Q("cns", "truefalse", "A CNS relapse needs intrathecal therapy.", title="CNS", category=IMMUNO, answer=True),
    Q(
        "isolated",
        "truefalse",
        "An isolated testicular relapse is rare.",
        title="Isolated",
        category=IMMUNO,
        answer=True,
        feedback_true="Yes, it is rare.",
        feedback_false="Look again.",
        feedback="Rare, but it happens.",
    ),
    Q("never", "truefalse", "Relapse cannot happen after 5 years.", title="Never", category=IMMUNO, answer=False),
    Q(
        "fusion",
        "short",
        "Which gene is fused with ABL1 in Ph+ ALL?",
        title="Fusion",
        category=GENETICS,
        accepted=(
            Accepted(text="BCR"),
            Accepted(text="bcr gene"),
            Accepted(text="BCR-ABL1", weight=50, feedback="Name the partner only."),
        ),
        feedback="The Philadelphia chromosome.",
    ),
    Q(
        "bare_short",
        "short",
        "The gene of the Philadelphia chromosome's partner?",
        title="Bare short",
        category=GENETICS,
        accepted=(Accepted(text="BCR"),),
    ),
    Q(
        "escapes_all",
        "single",
        "Literal ~ = # { } : \\ and a\nnew line?",
        title="Escapes : all",
        category=GENETICS,
        options=(Option(text="yes {really}", weight=100, feedback="a # b"), Option(text="no ~ way")),
    ),
    Q(
        "multi_line",
        "single",
        "A 9-year-old, 30 kg, relapses\n18 months after diagnosis, in µg/m² country. Which risk group?",
        title="Multi line",
        category=GENETICS,
        options=(Option(text="standard", weight=100), Option(text="high")),
    ),
    Q("fusion_2", "truefalse", "Is TCF3-PBX1 a fusion too?", title="Fusion", category=GENETICS, answer=True),
    Q("last", "truefalse", "Still read after the refused ones?", title="Last", category=GENETICS, answer=True),
]


# ---- 1. every syntax ----------------------------------------------------------------------------
def test_every_syntax_reads_to_exactly_these_questions() -> None:
    path = DATA / "every_syntax.gift"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # the fixture keeps its BOM and CRLF lines
    read = gift.read_file(path)
    assert read.questions == EVERY_SYNTAX
    assert read.lines == [6, 13, 20, 22, 24, 26, 32, 34, 36, 38, 40, 44, 46, 48, 53, 60, 73]
    name = str(path)
    assert read.problems == [
        Problem(name, 62, f"a matching question is not supported ({KINDS})"),
        Problem(name, 67, f"an essay question is not supported ({KINDS})"),
        Problem(name, 69, f"a missing-word question is not supported (text after the answer block's }}; {KINDS})"),
        Problem(name, 71, f"a description question is not supported (no answer block {{...}}; {KINDS})"),
    ]


def test_every_syntax_the_same_with_lf_only_and_no_bom() -> None:
    text = (DATA / "every_syntax.gift").read_text("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    read = gift.parse(text, "every_syntax.gift")
    assert read.questions == EVERY_SYNTAX
    assert [p.line for p in read.problems] == [62, 67, 69, 71]


def test_moodle_documentation_examples() -> None:
    read = gift.parse(
        "Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}\n\n"
        "Grant was buried in a tomb in New York City.{T}\n\n"
        "Who's buried in Grant's tomb?{=no one =nobody}\n\n"
        "When was Ulysses S. Grant born?{#1822:5}\n",
        "grant.gift",
    )
    assert read.problems == []
    assert [(q.id, q.kind) for q in read.questions] == [
        ("grant_1", "single"),
        ("grant_2", "truefalse"),
        ("grant_3", "short"),
        ("grant_4", "numeric"),
    ]
    assert read.questions[0].options[2] == Option(text="no one", weight=100)
    assert read.questions[3].numbers == (Number(value=1822, tolerance=5),)


def test_ids_from_titles_file_stem_and_duplicates() -> None:
    text = "\n\n".join(
        [
            "::Dose (mg/m²)::a{T}",
            "::Dose (mg/m²)::b{T}",
            "::dose_mg_m::c{T}",
            "::!!!::d{T}",
            "e{T}",
            "::-x-::f{T}",
            f"::{'long ' * 20}::g{{T}}",
        ]
    )
    read = gift.parse(text, "/somewhere/My Quiz.gift")
    assert read.problems == []
    assert [q.id for q in read.questions] == [
        "dose_mg_m",
        "dose_mg_m_2",
        "dose_mg_m_3",
        "my_quiz_4",
        "my_quiz_5",
        "x-",
        ("long_" * 13)[:64],
    ]
    assert [q.title for q in read.questions][:4] == ["Dose (mg/m²)", "Dose (mg/m²)", "dose_mg_m", "!!!"]
    assert read.questions[4].title is None


def test_category_on_the_first_line_of_a_block_and_an_empty_one_resets() -> None:
    read = gift.parse("$CATEGORY: a\n::x::X?{T}\n\n$CATEGORY:\n\n::y::Y?{F}\n")
    assert [(q.id, q.category) for q in read.questions] == [("x", "a"), ("y", None)]
    assert read.lines == [2, 6]


def test_format_prefixes_on_options_and_feedback_are_removed() -> None:
    read = gift.parse("::f::[html]<i>Q</i>{=[markdown]*a*#[html]<b>r</b> ~[plain]b ####[moodle]g}")
    assert read.problems == []
    (q,) = read.questions
    assert (q.format, q.prompt, q.feedback) == ("html", "<i>Q</i>", "g")
    assert q.options == (Option(text="*a*", weight=100, feedback="<b>r</b>"), Option(text="b"))


def test_moodle_reads_an_answer_before_the_first_marker_and_spaces_around_t_f() -> None:
    read = gift.parse("::a::A?{abc ~%100%def}\n\n::b::B?{ TRUE }\n\n::c::C?{Paris#fb}\n\n::d::D?{x ~y =z}")
    assert read.problems == []
    a, b, c, d = read.questions
    assert (a.kind, a.options) == ("multiple", (Option(text="abc"), Option(text="def", weight=100)))
    assert (b.kind, b.answer) == ("truefalse", True)
    assert c.accepted == (Accepted(text="Paris", feedback="fb"),)
    assert [(o.text, o.weight) for o in d.options] == [("x", 0), ("y", 0), ("z", 100)]


def test_moodle_reads_text_after_equals_literally_in_a_choice() -> None:
    # Moodle never reads a weight after `=` in a multiple choice: it is the option's text
    (q,) = gift.parse("::w::Q{=%50%a ~b}").questions
    assert q.options == (Option(text="%50%a", weight=100), Option(text="b"))


# ---- 2. errors ----------------------------------------------------------------------------------
ERRORS = [
    ("::U::Unclosed?{\n=a\n~b", 1, "the answer block opened with { is not closed"),
    ("::S::Stray } brace?{T}", 1, "a } with no { before it (accepted: \\} for a } in text)"),
    ("::N::Nested?{\n=a\n~b {c}\n}", 3, "a { inside the answer block opened on line 1"),
    ("::D::Two blocks?{T} and {F}", 1, "a second answer block (accepted: one {...} per question"),
    ("::Unclosed title {T}", 1, "the title opened with :: is not closed"),
    ("::W::Bad weight?{\n=a\n~%abc%b\n}", 3, "weight %abc% is not a number (accepted: a percent from -100 to 100"),
    ("::R::Too much?{\n~%150%a\n~b\n}", 2, "weight %150% is out of range (accepted: a percent from -100 to 100)"),
    ("::C::Comma?{#\n=3,5:0.1\n}", 2, "the answer '3,5' is not a number (accepted: numbers like 3.5, -2 or 1e-3)"),
    ("::T::Tolerance?{#3:-1}", 1, "tolerance -1 is negative (accepted: 0 or more)"),
    ("::M::Range?{#5..1}", 1, "range 5..1 has min > max (accepted: min..max)"),
    ("::X::Not a number?{#3:x}", 1, "the tolerance 'x' is not a number"),
    ("::I::Infinite?{#1e999}", 1, "the answer '1e999' is too large (accepted: a finite number)"),
    ("::E::No number?{#}", 1, "a numeric question with no answer"),
    (
        "::P::Weights?{~%50%a ~%40%b}",
        1,
        "the positive weights of a multiple-choice question add up to 100 (they add up to 90)",
    ),
    ("::O::Two right?{=a =b ~c}", 1, "more than one option is right (100%) in a single choice"),
    ("::One::Only one?{~%100%a}", 1, "a multiple question needs at least 2 options (has 1)"),
    ("::V::Empty option?{~ =x}", 1, "option 1 has no text (accepted: ~text, =text or ~%50%text)"),
    ("::H::Short?{=%50%x}", 1, "a short-answer question needs one accepted answer with weight 100"),
    (
        "::F::Two feedbacks?{=a#b#c ~d}",
        1,
        "unexpected '#' in the answer block (accepted: #### or = or } or ~; \\# for a # in text)",
    ),
    ("::B::{T}", 1, "the question has no text before its answer block"),
    ("::L::" + "x" * 4001 + "{T}", 1, "prompt: 4001 characters (accepted: up to 4000)"),
    ("::" + "t" * 201 + "::Long title?{T}", 1, "title: 201 characters (accepted: up to 200)"),
    ("::G::Long option?{=" + "y" * 501 + " ~b}", 1, "options 1 text: 501 characters (accepted: up to 500)"),
    ("::Z::Number then junk?{#3 4}", 1, "unexpected '4' in the answer block"),
]


@pytest.mark.parametrize(("bad", "line", "message"), ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_an_error_is_reported_at_its_line_and_the_questions_around_it_load(bad: str, line: int, message: str) -> None:
    before = "// questions around the bad one\n::good 1::First?{T}\n"  # 2 lines, then a blank one
    text = f"{before}\n{bad}\n\n::good 2::Last?{{=a ~b}}\n"
    read = gift.parse(text, "errors.gift")
    assert len(read.problems) == 1, read.problems
    (problem,) = read.problems
    assert (problem.file, problem.line) == ("errors.gift", line + 3)
    assert message in problem.message
    assert [q.id for q in read.questions] == ["good_1", "good_2"]


def test_every_bad_question_of_a_file_is_reported() -> None:
    text = "\n\n".join(bad for bad, _, _ in ERRORS) + "\n\n::ok::Fine?{T}"
    read = gift.parse(text)
    assert len(read.problems) == len(ERRORS)
    assert [q.id for q in read.questions] == ["ok"]
    assert all(len(p.message) < 300 and "Traceback" not in p.message for p in read.problems)


def test_a_bad_category_is_said_once_at_its_line() -> None:
    read = gift.parse("::a::A?{T}\n\n$CATEGORY: " + "c" * 201 + "\n::b::B?{T}\n\n::c::C?{F}", "cat.gift")
    assert read.problems == [Problem("cat.gift", 3, "category: 201 characters (accepted: up to 200)")]
    assert [(q.id, q.category) for q in read.questions] == [("a", None), ("b", None), ("c", None)]


# ---- writing ------------------------------------------------------------------------------------
def test_write_gives_this_text() -> None:
    questions = [
        Q(
            "dose",
            "single",
            "Dose: 1.5 {mg}?",
            title="Dose",
            format="markdown",
            category="c",
            options=(Option(text="a=b", weight=100, feedback="#1"), Option(text="x", weight=-50)),
            feedback="see ~ there",
            source="BNFc 2024\nline 2",
            cite=("pui2021",),
        ),
        Q("q2", "truefalse", "[html] is a tag", answer=False, feedback_true="no", category="c"),
        Q("q3", "numeric", "N", numbers=(Number(value=3.0, tolerance=0.5), Number(min=1, max=5, weight=50))),
        Q("q4", "short", "S", format="html", accepted=(Accepted(text="%x"), Accepted(text="y", weight=50.5))),
    ]
    assert gift.write(questions) == (
        "$CATEGORY: c\n"
        "\n"
        "// source: BNFc 2024 line 2\n"
        "// cite: pui2021\n"
        "::Dose::[markdown]Dose\\: 1.5 \\{mg\\}?{\n"
        "\t=a\\=b#\\#1\n"
        "\t~%-50%x\n"
        "\t####see \\~ there\n"
        "}\n"
        "\n"
        "::q2::[plain][html] is a tag{FALSE#no}\n"
        "\n"
        "$CATEGORY:\n"
        "\n"
        "::q3::N{#\n"
        "\t=3:0.5\n"
        "\t=%50%1..5\n"
        "}\n"
        "\n"
        "::q4::[html]S{\n"
        "\t=%100%%x\n"
        "\t=%50.5%y\n"
        "}\n"
    )
    back = gift.parse(gift.write(questions))
    assert back.problems == []
    expected = [q.model_copy(update={"source": None, "cite": ()}) for q in questions]
    expected[1:] = [q.model_copy(update={"title": q.id}) for q in expected[1:]]  # no title: the id is written
    assert back.questions == expected


def test_write_refuses_computed_and_arrows_in_short_answers() -> None:
    computed = Q("c", "computed", "BSA?", computed=Computed(ask="bsa", patient={"height_cm": 130, "weight_kg": 30}))
    with pytest.raises(ValueError, match="computed"):
        gift.write([computed])
    with pytest.raises(ValueError, match="->"):
        gift.write([Q("s", "short", "Arrow?", accepted=(Accepted(text="a -> b"),))])


# ---- 3. round trip ------------------------------------------------------------------------------
RESERVED = list("~=#{}:\\%[]->/ \n$")
CHARS = st.one_of(st.sampled_from(RESERVED), st.characters(exclude_categories=("Cs",), exclude_characters="\r"))
LEADS = [
    "",
    "[",
    "[html]",
    "[markdown]",
    "[plain]",
    "[moodle]",
    "%",
    "%50%",
    "%%",
    "//",
    "::",
    "->",
    "T",
    "#",
    "$CATEGORY:",
]


def texts(max_size: int = 25) -> st.SearchStrategy[str]:
    """Stripped non-empty texts full of GIFT's reserved characters (Moodle trims texts)."""
    return st.builds(
        lambda lead, rest: (lead + rest).strip(), st.sampled_from(LEADS), st.text(CHARS, max_size=max_size)
    ).filter(bool)


def feedbacks() -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), texts())


def expected_id(title: str) -> str:
    """The importer's rule, said again independently."""
    return re.sub(r"[^a-z0-9_-]+", "_", title.lower()).lstrip("_-").rstrip("_")[:64]


WEIGHTS = st.floats(min_value=-100, max_value=100, allow_nan=False)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def questions(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["single", "multiple", "truefalse", "numeric", "short"]))
    q: dict[str, Any] = {
        "kind": kind,
        "prompt": draw(texts(60)),
        "title": draw(texts(40).filter(expected_id)),
        "format": draw(st.sampled_from(["plain", "markdown", "html"])),
        "category": draw(st.one_of(st.none(), st.sampled_from(["relapse", "relapse/CAR-T", "$course$/top/a b"]))),
        "feedback": draw(feedbacks()),
    }
    option = st.builds(Option, text=texts(), feedback=feedbacks())
    if kind == "single":
        not_right = WEIGHTS.filter(lambda w: w != 100)
        wrong = draw(
            st.lists(st.builds(Option, text=texts(), weight=not_right, feedback=feedbacks()), min_size=1, max_size=4)
        )
        right = draw(option).model_copy(update={"weight": 100})
        q["options"] = tuple(draw(st.permutations([right, *wrong])))
    elif kind == "multiple":
        k = draw(st.integers(1, 4))
        good = [o.model_copy(update={"weight": 100 / k}) for o in draw(st.lists(option, min_size=k, max_size=k))]
        bad = [o.model_copy(update={"weight": -draw(WEIGHTS.map(abs))}) for o in draw(st.lists(option, max_size=3))]
        options = tuple(draw(st.permutations(good + bad)))
        q["options"] = options if len(options) >= 2 else (*options, Option(text="none of these"))
    elif kind == "truefalse":
        q |= {"answer": draw(st.booleans()), "feedback_true": draw(feedbacks()), "feedback_false": draw(feedbacks())}
    elif kind == "numeric":
        value = st.builds(lambda v, t: {"value": v, "tolerance": t}, FLOATS, st.floats(0, 1e300))
        ranged = st.builds(lambda a, b: {"min": min(a, b), "max": max(a, b)}, FLOATS, FLOATS)
        forms = draw(st.lists(st.one_of(value, ranged), min_size=1, max_size=3))
        weights = [100.0, *draw(st.lists(WEIGHTS, min_size=len(forms) - 1, max_size=len(forms) - 1))]
        q["numbers"] = tuple(
            Number(**f, weight=w, feedback=draw(feedbacks())) for f, w in zip(forms, weights, strict=True)
        )
        q["wrong_feedback"] = draw(feedbacks())
    else:
        no_arrow = texts().filter(lambda t: "->" not in t)
        answer = st.builds(Accepted, text=no_arrow, feedback=st.one_of(st.just(""), no_arrow))
        first = draw(answer)
        others = [a.model_copy(update={"weight": draw(WEIGHTS)}) for a in draw(st.lists(answer, max_size=3))]
        q["accepted"] = tuple(draw(st.permutations([first, *others])))
    return q


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(questions(), min_size=1, max_size=6, unique_by=lambda q: expected_id(q["title"])))
def test_write_then_parse_gives_the_same_questions(drafts: list[dict[str, Any]]) -> None:
    qs = [Question(id=expected_id(d["title"]), **d) for d in drafts]
    text = gift.write(qs)
    read = gift.parse(text, "round.gift")
    assert read.problems == []
    assert read.questions == qs


# ---- 4. fuzz ------------------------------------------------------------------------------------
PIECES = [*"~=#{}:\\%[]->.TF0123456789 \n\r\t/$", "$CATEGORY:", "TRUE", "[html]", "::", "####", "%50%", "..", "a"]
GIFTISH = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.text(), GIFTISH))
def test_parse_never_raises(text: str) -> None:
    read = gift.parse(text)
    assert all(isinstance(p, Problem) for p in read.problems)
    assert not any("could not be read" in p.message for p in read.problems)  # the safety net is never needed
    assert len(read.lines) == len(read.questions)


def test_a_10_mb_file_is_refused_by_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.gift"
    big.write_bytes(b"::q::Q?{T}\n\n" * (10 * 2**20 // 12 + 1))
    read = gift.read_file(big)
    assert read.questions == []
    assert read.problems == [
        Problem(str(big), 0, f"file too large ({big.stat().st_size:,} bytes; accepted: up to 1,000,000)")
    ]


def test_binary_junk_and_bad_utf8_are_refused_with_their_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.gift"
    junk.write_bytes(b"::q::Q?{T}\n\n" + bytes(range(256)))
    assert gift.read_file(junk).problems == [
        Problem(str(junk), 3, "not a text file (a NUL byte; accepted: UTF-8 text)")
    ]
    latin = tmp_path / "latin.gift"
    latin.write_bytes(b"::q::Q?{T}\n\n::r::Caf\xe9?{T}\n")
    assert gift.read_file(latin).problems == [Problem(str(latin), 3, "not UTF-8 text (byte 0xe9; accepted: UTF-8)")]
    missing = gift.read_file(tmp_path / "missing.gift")
    assert missing.questions == [] and missing.problems[0].line == 0


# ---- 5. a large ordinary file -------------------------------------------------------------------
def test_a_900_kb_file_of_ordinary_questions_parses(tmp_path: Path) -> None:
    one = (
        "// question {n}\n::Question {n}::[markdown]A 9-year-old weighs 30 kg; relapse at {n} months. Next?{{\n"
        "\t=blinatumomab#Right\n\t~%50%inotuzumab#half\n\t~%-50%imatinib\n\t####See the protocol.\n}}\n\n"
        "::Dose {n}::Dose in mg?{{#\n\t=15:0.5#ok\n\t=%50%15:2\n\t~#no\n}}\n\n"
    )
    text = "".join(one.format(n=n) for n in range(3650))
    assert 850_000 < len(text.encode()) < gift.MAX_BYTES
    path = tmp_path / "large.gift"
    path.write_text(text, "utf-8")
    read = gift.read_file(path)
    assert read.problems == []
    assert len(read.questions) == 7300
    assert read.questions[-1].numbers[1] == Number(value=15, tolerance=2, weight=50)
