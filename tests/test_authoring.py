"""A teacher's content folder (issue 22): checked, marked, served beside or instead of the built-in
quiz and cases, recorded in a live class and exported; hostile folders refused with file:line.

Golden values are worked by hand from shared/clinical-facts.md (the same facts the regimens hold).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import shutil
import time
from pathlib import Path

import pytest

from alledu import exercises as E
from alledu.authoring import folder as F
from alledu.authoring.asked import Asked, ask
from alledu.authoring.cli import EXAMPLE, exported
from alledu.authoring.model import Question
from alledu.authoring.text import to_html
from alledu.cli import main
from alledu.errors import InvalidInput

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _environment_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve --content` hands the folder to kernels through os.environ: never past a test."""
    for name in (F.ENV, F.ENV_ONLY):
        monkeypatch.setenv(name, os.environ.get(name, ""))


@pytest.fixture()
def example(tmp_path: Path) -> Path:
    target = tmp_path / "mine"
    shutil.copytree(EXAMPLE, target)
    return target


@pytest.fixture()
def served(example: Path, monkeypatch: pytest.MonkeyPatch):
    """The example folder as `alledu serve --content` hands it to lesson kernels."""
    monkeypatch.setenv(F.ENV, str(example))
    monkeypatch.setenv(F.ENV_ONLY, "")
    monkeypatch.setattr(F, "_current", {})
    monkeypatch.setattr(F, "_snapshot_path", lambda root: example.parent / "snapshot.json")
    return example


def by_id(folder: F.Folder) -> dict[str, Asked]:
    return {a.id: a for a in F.iter_asked(folder)}


# ---- the example folder: every kind, two cases, answers from the domain ----------------------------
def test_the_example_folder_has_every_kind_and_checks_clean() -> None:
    folder, problems = F.check(EXAMPLE)
    assert problems == [] and folder is not None
    counts = folder.counts()
    assert {k: counts[k] for k in ("single", "multiple", "truefalse", "numeric", "short", "computed", "case")} == {
        "single": 3,
        "multiple": 1,
        "truefalse": 3,
        "numeric": 2,
        "short": 1,
        "computed": 8,
        "case": 2,
    }
    asks = {a.question.computed.ask for a in F.iter_asked(folder) if a.question.computed}
    assert asks == {"dose", "bsa", "cycle_start", "eligible"}


def test_computed_answers_come_from_the_domain() -> None:
    """Hand-worked from the facts: inotuzumab cycle 1 day 8 is 0.5 mg/m2 [besponsa], here x Haycock
    0.024265 x 150^0.3964 x 40^0.5378 [haycock1978]; Boyd 0.0003207 x 95^0.3 x G^(0.7285 - 0.0188 log10 G),
    G in grams [boyd1935]; blinatumomab cycles of 42 days, so cycle 3 begins on day 85 [blincyto];
    tisagenlecleucel up to 25 years [kymriah]; blinatumomab >= 45 kg from day 8: 28 mcg/day
    [blincyto]; nelarabine (children) 650 mg/m2/day x Mosteller [arranon]."""
    answers = by_id(F.load(EXAMPLE))
    ino = answers["teacher:ino_child_day8"]
    assert ino.correct == pytest.approx(0.5 * 0.024265 * 150**0.3964 * 40**0.5378) and ino.unit == "mg"
    assert "0.5 mg/m2 x 1.2858 m2 = 0.64 mg (BSA by Haycock)" in ino.worked.working
    assert ino.hint == "accepted within ±2%; BSA by Haycock"  # said before answering
    grams = 14_000
    boyd = 0.0003207 * 95**0.3 * grams ** (0.7285 - 0.0188 * math.log10(grams))
    assert answers["teacher:toddler_bsa_boyd"].correct == pytest.approx(boyd, rel=1e-3)
    assert answers["teacher:blin_third_cycle_date"].correct == ("2026-05-25",)  # 2026-03-02 + 84 days
    assert answers["teacher:kymriah_at_30"].correct == ("false",)
    assert answers["teacher:ward_round_adult/blin_fits"].correct == ("true",)
    assert answers["teacher:ward_round_adult/blin_day8"].correct == 28
    assert answers["teacher:clinic_child/his_bsa"].correct == pytest.approx(math.sqrt(150 * 40 / 3600))
    assert answers["teacher:clinic_child/nela_dose"].correct == pytest.approx(650 * math.sqrt(150 * 40 / 3600))


# ---- marking, kind by kind ----------------------------------------------------------------------------
def q(**fields) -> Question:
    return Question(id="t", prompt="Q?", **fields)


def test_single_choice_partial_credit_and_option_feedback() -> None:
    a = ask(
        q(
            kind="single",
            options=[
                {"text": "CD19", "weight": 100, "feedback": "Yes."},
                {"text": "CD22", "weight": 50, "feedback": "Half: that is inotuzumab's."},
                {"text": "CD20"},
            ],
            feedback="General.",
        ),
        "teacher:t",
    )
    right, half, wrong = (a.mark(k) for k in ("o1", "o2", "o3"))
    assert (right.correct, right.credit, right.text) == (True, 100, "Correct: CD19. Yes. General.")
    assert (half.correct, half.credit) == (False, 50) and half.text.startswith("Partly right (50% of the mark)")
    assert "Half: that is inotuzumab's." in half.text and (wrong.credit, wrong.text) == (0, "Not quite: CD19. General.")


def test_multiple_choice_weights_penalties_and_the_full_set() -> None:
    opts = [{"text": t, "weight": w} for t, w in (("a", 50), ("b", 50), ("c", -50), ("d", 0))]
    a = ask(q(kind="multiple", options=opts), "teacher:t")
    assert a.correct == ("o1", "o2") and a.mark(["o1", "o2"]).correct
    one = a.mark(["o1"])
    assert (one.correct, one.credit) == (False, 50) and "You missed: b." in one.text
    assert a.mark(["o1", "o3"]).credit == 0  # 50 - 50
    assert a.mark(["o1", "o2", "o3"]).credit == 50 and a.mark(["o3"]).credit == 0  # never below 0


def test_true_false_feedback_follows_the_answer_given() -> None:
    a = ask(q(kind="truefalse", answer=False, feedback_true="No: withdrawn.", feedback_false="Right."), "teacher:t")
    assert a.options == {"true": "True", "false": "False"} and a.correct == ("false",)
    said_true, said_false = a.mark("true"), a.mark("false")
    assert not said_true.correct and "No: withdrawn." in said_true.text and "Right." not in said_true.text
    assert said_false.correct and said_false.text == "Correct: the statement is false. Right."


def test_numeric_tolerance_ranges_weights_and_wrong_feedback() -> None:
    a = ask(
        q(
            kind="numeric",
            unit="kg",
            numbers=[
                {"value": 45, "tolerance": 0.5, "feedback": "Exactly."},
                {"min": 40, "max": 50, "weight": 50, "feedback": "Close."},
            ],
            wrong_feedback="Look again.",
        ),
        "teacher:t",
    )
    assert a.input == "numeric" and a.correct == 45
    assert a.mark("45.5").correct and a.mark("44,6").correct  # a decimal comma reads
    near = a.mark(" 49 ")
    assert (near.credit, near.correct) == (50, False) and "Close." in near.text
    far = a.mark("60")
    assert far.credit == 0 and far.text == "Not quite: 45 kg (±0.5). Look again."
    with pytest.raises(InvalidInput, match="answer"):
        a.mark("forty-five")
    assert a.recorded("45,5") == 45.5


def test_short_answer_ignores_case_and_spacing_and_reads_wildcards() -> None:
    a = ask(
        q(
            kind="short",
            accepted=[{"text": "antibody-drug conjugate"}, {"text": "ADC*", "weight": 50}, {"text": "What?"}],
        ),
        "teacher:t",
    )
    assert a.mark("  Antibody-Drug   CONJUGATE ").correct
    assert a.mark("ADC (conjugate)").credit == 50
    assert not a.mark("Whatx").correct and a.mark("what?").correct  # only * is a wildcard
    assert a.mark("x" * 10_000).credit == 0


def test_computed_answers_are_marked_within_their_margin_with_the_working() -> None:
    answers = by_id(F.load(EXAMPLE))
    dose = answers["teacher:ino_child_day8"]  # 0.6429 mg, within 2%
    assert dose.mark("0.64").correct and dose.mark("0.65").correct and not dose.mark("0.66").correct
    shown = dose.mark("0.64")
    assert "0.64 mg (accepted within ±2%; BSA by Haycock)" in shown.text
    assert any("veno-occlusive" in note.lower() for note in shown.safety)  # the boxed warning beside the dose
    date = answers["teacher:blin_third_cycle_date"]
    assert date.input == "text" and date.mark("2026-05-25").correct and not date.mark("2026-05-24").correct
    with pytest.raises(InvalidInput, match="answer"):
        date.mark("next Monday")
    verdict = answers["teacher:kymriah_at_30"]
    assert verdict.mark("false").correct and "does not fit" in verdict.mark("true").text


# ---- text is shown as text --------------------------------------------------------------------------
def test_teacher_text_never_runs_or_loads_anything() -> None:
    md = to_html(
        "**bold** <script>alert(1)</script> ![x](http://example.org/x.png) [a](javascript:alert(1))", "markdown"
    )
    assert "<strong>bold</strong>" in md and "<script" not in md and "<img" not in md
    assert 'href="javascript' not in md and "&lt;script&gt;" in md  # shown as text, never a link
    raw = to_html('<b>b</b><img src=x onerror=alert(1)><a href="http://x" onclick="y">l</a><style>*{}</style>', "html")
    assert raw == "<b>b</b>l" or (
        "<b>b</b>" in raw and "<img" not in raw and "onclick" not in raw and "<style" not in raw
    )
    assert to_html("<i>x</i>\nnext", "plain") == "&lt;i&gt;x&lt;/i&gt;<br>next"


# ---- a hostile or broken folder: every problem, by file and line --------------------------------------
BAD = """questions:
  - id: q1
    kind: singel
    prompt: hi
  - id: q2
    kind: single
    prompt: x
    colour: red
    options:
      - {text: a, weight: 100}
      - {text: b}
  - id: q3
    kind: computed
    prompt: dose?
    computed: {ask: dose, regimen: nosuch, patient: {age_years: 9, height_cm: 130, weight_kg: 30}}
  - id: q4
    kind: computed
    prompt: dose?
    computed: {ask: dose, regimen: blinatumomab_rr, patient: {age_years: 9, height_cm: 1300, weight_kg: 30}}
  - id: q5
    kind: truefalse
    prompt: fine
    answer: true
    cite: [nokey]
"""
BOMB = 'a: &a ["lol","lol","lol"]\nb: &b [*a,*a,*a]\nc: [*b,*b,*b]\n'


def test_every_problem_at_once_with_file_line_value_and_what_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BAD)
    (tmp_path / "bomb.yaml").write_text(BOMB)
    (tmp_path / "junk.yaml").write_bytes(b"questions:\n  - id: x\n\x00\x01")
    (tmp_path / "latin1.yml").write_bytes("questions: []\n# caf\xe9\n".encode("latin-1"))
    (tmp_path / "tag.yaml").write_text('questions: !!python/object/apply:os.system ["echo hi"]\n')
    (tmp_path / "big.yaml").write_text("a" * (F.MAX_FILE_BYTES + 1))
    (tmp_path / "deep.yaml").write_text("[" * 50_000)
    (tmp_path / "notes.txt").write_text("not content")  # other files are ignored
    folder, problems = F.check(tmp_path)
    assert folder is None
    said = [str(p) for p in problems]
    expected_starts = [
        "a.yaml:3: question 1 'q1' kind: Input should be 'single', 'multiple', 'truefalse', 'numeric', 'short' or "
        "'computed' (value: 'singel')",
        "a.yaml:8: question 2 'q2': unknown key 'colour' (accepted: id, kind, prompt,",
        "a.yaml:15: question 3 'q3': regimen_id: 'nosuch' is not accepted; accepted: one of",
        "a.yaml:19: question 4 'q4': height_cm: 1300 is not accepted; accepted: 30 to 250 cm",
        "a.yaml:24: question 5 'q5': cite: unknown key 'nokey' (accepted: arranon,",
        f"big.yaml: file too large ({F.MAX_FILE_BYTES + 1:,} bytes; accepted: up to {F.MAX_FILE_BYTES:,})",
        "bomb.yaml:1: YAML anchors and aliases (&name, *name) are not accepted",
        "deep.yaml",
        "junk.yaml:3: not a text file (a NUL byte; accepted: UTF-8 text)",
        "latin1.yml:2: not UTF-8 text (byte 0xe9; accepted: UTF-8)",
        "tag.yaml:1: not accepted YAML: could not determine a constructor for the tag",
    ]
    assert len(said) == len(expected_starts), said
    for got, want in zip(said, expected_starts, strict=True):
        assert got.startswith(want), (got, want)


def test_duplicate_ids_and_a_case_whose_patient_the_domain_refuses(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "questions:\n  - {id: same, kind: truefalse, prompt: a, answer: true}\n"
        "cases:\n  - id: c\n    title: C\n    vignette: V\n"
        "    patient: {age_years: 200, height_cm: 170, weight_kg: 70}\n"
        "    steps:\n      - {id: s, kind: truefalse, prompt: p, answer: false}\n"
    )
    (tmp_path / "b.yaml").write_text("questions:\n  - {id: same, kind: truefalse, prompt: b, answer: true}\n")
    _, problems = F.check(tmp_path)
    assert [str(p) for p in problems] == [
        "a.yaml:7: case 1 'c': patient: age_years: 200 is not accepted; accepted: 0 to 120 years",
        "b.yaml:2: question id 'same' is used twice (first in a.yaml:2; each id once in the folder)",
    ]


# ---- served: read again on change, the last good version kept -------------------------------------
def test_an_edit_is_picked_up_and_a_broken_edit_keeps_the_last_good_version(
    served: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = F.teacher_content()
    assert first is not None and len(first.questions) == 12
    assert F.teacher_content() is first  # unchanged: not read again
    extra = served / "more.yaml"
    extra.write_text("questions:\n  - {id: added, kind: truefalse, prompt: New question, answer: true}\n")
    now = F.teacher_content()
    assert now is not first and "teacher:added" in {a.id for a in now.questions}
    time.sleep(0.01)
    extra.write_text("questions:\n  - {id: added, kind: truefalse, prompt: New question, answer: maybe}\n")
    with caplog.at_level(logging.WARNING, logger="alledu.content"):
        kept = F.teacher_content()
    assert kept is now  # the last good version
    assert "has 1 problem(s); keeping the last good version" in caplog.text and "more.yaml:2" in caplog.text
    F._current.clear()  # a kernel started after the broken edit: the snapshot `serve` kept
    fresh = F.teacher_content()
    assert fresh is not None and "teacher:added" in {a.id for a in fresh.questions}


def test_the_quiz_and_the_cases_serve_the_teachers_beside_or_instead_of_the_built_in(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alledu.widgets.exercise import CaseScenario, Quiz

    bank = len(E.question_bank().questions)
    quiz = Quiz(seed=1)
    ids = [item.id for item in quiz.questions]
    assert len(ids) == bank + 12 and sum(i.startswith("teacher:") for i in ids) == 12
    cases = CaseScenario()
    labels = [label for label, _ in cases.picker.options]
    assert (
        len(labels) == len(E.scenarios()) + 2 and "Your teacher's case: Ward round: an adult in first relapse" in labels
    )
    monkeypatch.setenv(F.ENV_ONLY, "1")
    F._current.clear()
    only = Quiz(seed=1)
    assert len(only.questions) == 12 and all(item.id.startswith("teacher:") for item in only.questions)
    assert [v for _, v in CaseScenario().picker.options] == ["teacher:ward_round_adult", "teacher:clinic_child"]


def test_a_teacher_case_is_answered_step_by_step(served: Path) -> None:
    from alledu.widgets.exercise import CaseScenario, State

    c = CaseScenario("teacher:ward_round_adult")
    assert "Your teacher's case" in c.vignette.value and "<strong>52-year-old woman</strong>" in c.vignette.value
    assert "Weight: 62 kg" in c.vignette.value
    c.answer("true")
    assert "✓ Correct" in c.feedback.value and c.score == 1
    c.advance()
    c.answer("28")
    assert "28.00 mcg/day (accepted within ±1%)" in c.feedback.value and "Safety notes" in c.feedback.value
    c.advance()
    c.answer("o2")
    assert "✗ Not quite" in c.feedback.value
    c.advance()
    assert c.state is State.FINISHED and c.score == 2


def test_a_teacher_question_in_the_quiz_is_shown_as_theirs_and_typed_answers_wait_for_text(served: Path) -> None:
    from alledu.widgets.exercise import Quiz

    quiz = Quiz(seed=1)
    quiz.index = next(i for i, item in enumerate(quiz.questions) if item.id == "teacher:vod_other_name")
    quiz._show()
    assert "Your teacher's question" in quiz.prompt.value and quiz.input.kind == "text"
    quiz.answer("")
    assert "Type an answer first." in quiz.message.value and quiz.feedback.value == ""
    quiz.answer("Obstructive")
    assert "◐ Partly right (50% of the mark)" in quiz.feedback.value
    assert "Nearly: sinusoidal obstruction syndrome." in quiz.feedback.value


# ---- command line ----------------------------------------------------------------------------------
def test_content_new_writes_the_example_and_check_summarises_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "start"
    assert main(["content", "new", str(target)]) == 0
    assert sorted(p.name for p in target.iterdir()) == sorted(
        p.name for p in EXAMPLE.iterdir() if p.suffix in (".yaml", ".gift")
    )
    out = capsys.readouterr().out
    assert "12 question(s) for the quiz, 2 case(s) with 6 step(s)" in out
    assert main(["content", "new", str(target)]) == 2  # never overwritten
    assert "a new or empty folder" in capsys.readouterr().err
    assert main(["content", "check", str(target)]) == 0
    assert "by kind: 3 single, 1 multiple, 3 truefalse, 2 numeric, 1 short, 8 computed" in capsys.readouterr().out


def test_check_and_serve_refuse_a_bad_folder_with_the_same_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.yaml").write_text(BAD)
    assert main(["content", "check", str(tmp_path)]) == 2
    checked = capsys.readouterr().err
    assert checked.count("a.yaml:") == 5 and "alledu: 5 problem(s)." in checked

    def never(**kwargs):
        raise AssertionError("served a bad folder")

    monkeypatch.setattr("alledu.serve.serve", never)
    monkeypatch.delenv(F.ENV, raising=False)
    assert main(["serve", "--no-browser", "--content", str(tmp_path)]) == 2
    assert capsys.readouterr().err == checked
    assert F.ENV not in os.environ
    assert main(["serve", "--no-browser", "--content-only"]) == 2
    assert "content-only" in capsys.readouterr().err


def test_serve_hands_a_good_folder_to_the_lesson_kernels(
    example: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, str | None] = {}
    monkeypatch.setattr(
        "alledu.serve.serve", lambda **kw: seen.update(env=os.environ.get(F.ENV), only=os.environ.get(F.ENV_ONLY)) or 0
    )
    monkeypatch.setattr(F, "_snapshot_path", lambda root: example.parent / "snapshot.json")
    monkeypatch.setenv(F.ENV, "")  # both restored after the test: `serve` sets them for its kernels
    monkeypatch.setenv(F.ENV_ONLY, "")
    assert main(["serve", "--no-browser", "--content", str(example), "--content-only"]) == 0
    assert seen == {"env": str(example.resolve()), "only": "1"}
    assert "teacher content: " in capsys.readouterr().err and (example.parent / "snapshot.json").exists()


def test_a_live_class_records_teacher_answers_and_the_export_names_them(
    served: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from alledu.live import location, open_store
    from alledu.widgets.exercise import CaseScenario, Quiz

    store_url = location(tmp_path / "store")
    monkeypatch.setenv("ALLEDU_LIVE_DB", store_url)
    store = open_store(store_url)
    info, _ = store.create_class("Teacher's own")
    quiz = Quiz(seed=1)
    quiz.join.participant.url = store_url
    quiz.join.code_box.value, quiz.join.nickname_box.value = info.code, "Ana"
    quiz.join.join()
    quiz.join.participant.flush()
    quiz.index = next(i for i, item in enumerate(quiz.questions) if item.id == "teacher:second_salvage_cr_rate")
    quiz._show()
    quiz.answer("18")
    case = CaseScenario("teacher:clinic_child")
    case.join.participant.url = store_url
    case.join.code_box.value = info.code
    case.join.join()
    case.join.participant.flush()
    case.answer("1.29")
    for box in (quiz.join, case.join):
        box.participant.flush()
    rows = store.answers(info.code)
    assert [(r.question, r.value(), r.correct) for r in rows] == [
        ("teacher:second_salvage_cr_rate", 18.0, True),
        ("teacher:clinic_child/his_bsa", 1.29, True),
    ]
    assert main(["class", "answers", info.code, "--data", str(tmp_path / "store"), "--content", str(served)]) == 0
    csv = capsys.readouterr().out
    assert "Teacher's question 6: CR after second salvage" in csv and "In the M.D. Anderson series of 288" in csv
    assert "Clinic: a child with T-cell ALL (teacher's case), step 1" in csv


def test_gift_export_writes_computed_answers_with_their_value_and_margin(served: Path) -> None:
    questions = {q.id: q for q in exported(str(served), only=False)}
    assert len(questions) == len(E.question_bank().questions) + 12
    dose = questions["ino_child_day8"]
    assert dose.kind == "numeric" and dose.numbers[0].value == pytest.approx(0.642896, abs=1e-6)
    assert dose.numbers[0].tolerance == pytest.approx(0.642896 * 0.02, abs=1e-6)
    assert "Safety: Boxed warning" in dose.feedback  # the regimen's safety notes travel with the dose
    assert questions["blin_third_cycle_date"].kind == "short"
    assert questions["blin_third_cycle_date"].accepted[0].text == "2026-05-25"
    assert (questions["kymriah_at_30"].kind, questions["kymriah_at_30"].answer) == ("truefalse", False)
    assert dt.date(2026, 5, 25).isoformat() in questions["blin_third_cycle_date"].feedback


def test_authoring_docs_show_the_example_folder_as_written() -> None:
    """docs/authoring.md quotes the example `alledu content new` writes, file by file (no drift)."""
    docs = (ROOT / "docs" / "authoring.md").read_text()
    for f in sorted(EXAMPLE.iterdir()):
        if f.suffix in (".yaml", ".gift"):
            assert f.read_text().strip() in docs, f.name


def test_quiz_import_writes_what_it_read_and_names_what_it_did_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gift_file = ROOT / "tests" / "data" / "gift" / "every_syntax.gift"
    assert main(["quiz", "import", str(gift_file), "--into", str(tmp_path / "mine")]) == 2
    err = capsys.readouterr().err
    for kind in ("a matching", "an essay", "a missing-word", "a description"):
        assert f"{kind} question is not supported" in err, kind
    assert err.rstrip().endswith("the questions with a problem above were not imported.")
    assert "alledu: 4 problem(s). 17 question(s) imported into" in err
    folder = F.load(tmp_path / "mine")  # the YAML written is a valid content folder
    assert len(folder.questions) == 17
    assert main(["quiz", "import", str(gift_file), "--into", str(tmp_path / "mine")]) == 2  # never overwritten
    assert "a file that does not exist yet (or --force" in capsys.readouterr().err


def test_quiz_export_then_import_gives_the_same_questions(served: Path, tmp_path: Path) -> None:
    out = tmp_path / "quiz.gift"
    assert main(["quiz", "export", "--format", "gift", "--content", str(served), "--output", str(out)]) == 0
    assert main(["quiz", "import", str(out), "--into", str(tmp_path / "back")]) == 0
    back = F.load(tmp_path / "back").questions
    sent = exported(str(served), only=False)
    dropped = {"id", "title", "cite", "source", "unit"}  # GIFT has no place for these (written as comments)
    assert [a.question.model_dump(exclude=dropped) for a in back] == [q.model_dump(exclude=dropped) for q in sent]


def test_the_dashboard_names_teacher_questions_and_counts_their_options(served: Path) -> None:
    from alledu.live.store import AnswerRow
    from alledu.live.summary import slides

    def row(learner: str, value: str, correct: bool) -> AnswerRow:
        qid = "teacher:ino_day_shift"
        return AnswerRow(1, "K7MX", learner, "", "06_self_check_quiz", qid, f'"{value}"', correct, "t")

    shown = slides([row("a", "true", True), row("b", "false", False), row("c", "true", True)])
    assert len(shown) == 1
    s = shown[0]
    assert s.title == "Teacher's question 5: Moving inotuzumab's day 8 and 15 doses" and s.answered == 3
    assert [(o.label, o.count, o.percent, o.correct) for o in s.options] == [
        ("True", 2, 67, True),
        ("False", 1, 33, False),
    ]
    assert s.right == "True"


def test_a_kernel_preheated_before_an_edit_shows_the_edit_when_its_page_opens(served: Path) -> None:
    """Voila runs a lesson in advance for the next learner; the page's opening (the progress
    widget reporting in) makes the quiz and the cases ask the folder again."""
    from alledu.widgets.exercise import CaseScenario, Quiz
    from alledu.widgets.progress import remember

    quiz, cases = Quiz(seed=1), CaseScenario()
    boxes = [remember(quiz, "06_self_check_quiz"), remember(cases, "05_case_scenarios")]
    before = len(quiz.questions)
    (served / "later.yaml").write_text(
        "questions:\n  - {id: later, kind: truefalse, prompt: Added after the kernel started, answer: true}\n"
        "cases:\n  - id: night\n    title: Night call\n    vignette: A call.\n"
        "    patient: {age_years: 30, height_cm: 170, weight_kg: 70}\n"
        "    steps:\n      - {id: s1, kind: truefalse, prompt: Call the senior, answer: true}\n"
    )
    for box in boxes:
        box.restore = "{}"  # what the page sends when it opens
    assert len(quiz.questions) == before + 1 and "teacher:later" in {q.id for q in quiz.questions}
    assert ("Your teacher's case: Night call", "teacher:night") in list(cases.picker.options)


def test_messages_a_teacher_can_act_on(tmp_path: Path) -> None:
    (tmp_path / "tab.yaml").write_text("questions:\n\t- id: x\n")
    (tmp_path / "flow.yaml").write_text("questions:\n  - {id: f, kind: truefalse, prompt: Why?, answer: true}\n")
    (tmp_path / "indent.yaml").write_text("questions:\n  - id: x\n    kind: truefalse\n   prompt: p\n")
    (tmp_path / "q.yaml").write_text(
        "questions:\n"
        "  - {id: Bad ID, kind: truefalse, prompt: p, answer: true}\n"
        "  - {id: w, kind: single, prompt: p, options: [{text: a, weight: 100%}, {text: b}]}\n"
        "  - id: d\n    kind: computed\n    prompt: p\n"
        "    computed: {ask: bsa, patient: {age_years: 9, height_cm: 130, weight_kg: 30, cd19_positve: true}}\n"
        "cases:\n  - {id: c, title: C, vignette: V, patient: {age_years: 9, height_cm: 130, weight_kg: 30},"
        " steps: []}\n"
    )
    _, problems = F.check(tmp_path)
    said = [str(p) for p in problems]
    assert said.pop(0).startswith("flow.yaml:2: text with ':', '?' or ',' inside {...} or [...] (column")
    assert said[0].startswith("indent.yaml:4: the indentation does not line up (column 4)")
    assert (
        said[1] == "q.yaml:2: question 1 'Bad ID' id: an id is lowercase letters, digits, _ and - (at most 64, "
        "starting with a letter or digit) (value: 'Bad ID')"
    )
    assert (
        said[2] == "q.yaml:3: question 2 'w' options 1 weight: should be a number like 50 or 2.5 (no % sign, "
        "no unit) (value: '100%')"
    )
    assert said[3].startswith(
        "q.yaml:7: question 3 'd': patient: 'cd19_positve' is not accepted; accepted: a patient field:"
    )
    assert said[4] == "q.yaml:9: case 1 'c' steps: needs at least 1 item(s)"
    assert said[5].startswith("tab.yaml:2: a tab character (column 1): indent with spaces, not tabs")


def test_check_notes_text_the_lessons_show_differently_without_refusing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.yaml").write_text(
        "questions:\n  - id: a\n    kind: truefalse\n"
        '    prompt: "See ![smear](http://x/y.png) and <b>this</b>"\n    answer: true\n'
        "  - {id: b, kind: truefalse, format: html, prompt: <b>fine</b>, answer: true}\n"
        "  - id: c\n    kind: single\n    prompt: Which antigen does BLINATUMOMAB target\n"
        "    options: [{text: CD19, weight: 100}, {text: CD22}]\n"
    )
    assert main(["content", "check", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        "note: a.yaml:2: question 1 'a': HTML in Markdown text is shown as typed (or use format: html)",
        "note: a.yaml:2: question 1 'a': an image (![...](...)) is shown as a link, not as a picture",
        "note: a.yaml:7: question 3 'c': asks what built-in question 'blin_target' asks",
    ]
    assert F.check(EXAMPLE)[0].notes == ()  # the example asks nothing the built-in bank asks
