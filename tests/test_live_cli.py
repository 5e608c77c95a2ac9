"""`alledu class new | answers | close` and `alledu serve --data/--db`: output and bad input."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alledu.cli import main
from alledu.exercises import question_bank
from alledu.live import ENV, location, open_store
from alledu.live.summary import QUIZ_LESSON
from tests.server import free_port


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def new_class(capsys: pytest.CaptureFixture[str], data: Path) -> dict[str, str]:
    code, out, err = run(capsys, "class", "new", "--title", "Ward 3", "--format", "json", "--data", str(data))
    assert (code, err) == (0, "")
    return json.loads(out)


def test_class_new_json_answers_and_close(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    made = new_class(capsys, tmp_path)
    assert set(made) == {"code", "teacher_key", "teacher_url"}
    assert made["teacher_url"] == f"http://127.0.0.1:8866/voila/render/07_teacher_dashboard.ipynb?class={made['code']}"
    store = open_store(location(tmp_path))
    assert store.check_key(made["code"], made["teacher_key"]) and store.class_info(made["code"]).title == "Ward 3"
    store.record(
        made["code"],
        learner="learner-1",
        nickname='Jo, "J"',
        lesson=QUIZ_LESSON,
        question="blin_target",
        answer="cd19",
        correct=True,
    )
    store.record(
        made["code"],
        learner="learner-2",
        lesson=QUIZ_LESSON,
        question="clofarabine_prior",
        answer=["a", "b"],
        correct=False,
    )
    code, out, _ = run(capsys, "class", "answers", made["code"].lower(), "--data", str(tmp_path))
    lines = out.splitlines()
    assert code == 0 and lines[0] == (
        "class,nickname,learner,lesson,question,question_text,answer,answer_text,correct,right_answer,answered_at"
    )
    rows = list(csv.DictReader(lines))
    assert [(r["nickname"], r["learner"], r["question"], r["answer"], r["correct"]) for r in rows] == [
        ('Jo, "J"', "learner-1", "blin_target", "cd19", "yes"),
        ("", "learner-2", "clofarabine_prior", "a|b", "no"),
    ]
    quiz = {q.id: q for q in question_bank().questions}
    blin = quiz["blin_target"]
    number = list(quiz).index("blin_target") + 1  # its place in the bank: learners see it shuffled
    assert rows[0]["question_text"] == f"Quiz question {number}: {blin.prompt}" and rows[0]["class"] == made["code"]
    assert rows[0]["answer_text"] == blin.options["cd19"] and rows[0]["right_answer"] == blin.options[blin.correct]
    code, out, _ = run(capsys, "class", "answers", made["code"], "--format", "gradebook", "--data", str(tmp_path))
    grades = list(csv.DictReader(out.splitlines()))
    assert [(g["nickname"], g["learner"], g["answered"], g["right"], g["score_percent"]) for g in grades] == [
        ('Jo, "J"', "learner-1", "1", "1", "100"),
        ("", "learner-2", "1", "0", "0"),  # no nickname: last
    ]
    code, out, _ = run(capsys, "class", "answers", made["code"], "--format", "json", "--data", str(tmp_path))
    rows = json.loads(out)
    assert [(r["learner"], r["answer"], r["correct"]) for r in rows] == [
        ("learner-1", "cd19", True),
        ("learner-2", ["a", "b"], False),
    ]
    code, out, _ = run(capsys, "class", "close", made["code"], "--data", str(tmp_path))
    assert code == 0 and out.startswith(f"Class {made['code']} closed at ")
    assert not store.class_info(made["code"]).is_open


def test_class_list_reopen_and_reset(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    made = new_class(capsys, tmp_path)
    code = made["code"]
    open_store(location(tmp_path)).record(
        code, learner="learner-1", lesson=QUIZ_LESSON, question="blin_target", answer="cd19", correct=True
    )
    assert run(capsys, "class", "close", code, "--data", str(tmp_path))[0] == 0
    status, out, _ = run(capsys, "class", "list", "--data", str(tmp_path))
    assert status == 0 and out.splitlines()[0].split() == [
        "code",
        "state",
        "answers",
        "learners",
        "created",
        "(UTC)",
        "title",
    ]
    assert out.splitlines()[1].split()[:4] == [code, "closed", "1", "1"] and out.rstrip().endswith("Ward 3")
    status, out, _ = run(capsys, "class", "reopen", code.lower(), "--data", str(tmp_path))
    assert status == 0 and out.strip() == f"Class {code} is open again; learners' answers are recorded."
    status, _, err = run(capsys, "class", "reset", code, "--data", str(tmp_path))
    assert status == 2 and "--yes" in err and "deletes every answer" in err  # nothing deleted without it
    assert len(open_store(location(tmp_path)).answers(code)) == 1
    status, out, _ = run(capsys, "class", "reset", code, "--yes", "--data", str(tmp_path))
    assert status == 0 and out.strip() == f"Class {code}: 1 answer deleted; code and key unchanged."
    status, out, _ = run(capsys, "class", "list", "--format", "json", "--data", str(tmp_path))
    [listed] = json.loads(out)
    assert (listed["code"], listed["open"], listed["answers"], listed["learners"]) == (code, True, 0, 0)


def test_class_new_text_names_code_key_and_links(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "class", "new", "--data", str(tmp_path), "--url", "http://10.0.0.5:8866/course")
    assert code == 0
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    klass = lines["Class code"]
    assert lines["Teacher key"].split()[0].count("-") == 2
    assert (
        lines["Teacher dashboard"]
        == f"http://10.0.0.5:8866/course/voila/render/07_teacher_dashboard.ipynb?class={klass}"
    )
    assert lines["Learners, quiz"].endswith(f"06_self_check_quiz.ipynb?class={klass}")
    assert lines["Learners, every lesson"] == f"http://10.0.0.5:8866/course/?class={klass}"
    assert str(tmp_path / "live.sqlite3") in out


def bad_cases(tmp_path: Path) -> list[tuple[list[str], str]]:
    (tmp_path / "file").write_text("")
    unreachable = f"postgresql://alledu@127.0.0.1:{free_port()}/alledu"
    data = ["--data", str(tmp_path / "ok")]
    return [
        (["class"], "required: new|answers|close"),
        (["class", "open"], "invalid choice: 'open'"),
        (["class", "new", "--format", "xml", *data], "invalid choice: 'xml'"),
        (["class", "new", "--db", "mysql://x/y"], "db: 'mysql://x/y' is not accepted; accepted: a PostgreSQL URL"),
        (["class", "new", "--data", str(tmp_path / "file" / "sub")], "cannot create the folder"),
        (["class", "new", "--db", unreachable], "cannot reach PostgreSQL"),
        (["class", "new", "--url", "ftp://x", *data], "url: 'ftp://x' is not accepted"),
        (["class", "new", "--title", "x" * 201, *data], "title: "),
        (["class", "answers", *data], "required: CODE"),
        (["class", "answers", "K0MX", *data], "class: 'K0MX' is not accepted; accepted: a class code of 4"),
        (["class", "answers", "ACEF", *data], "class: 'ACEF' is not accepted; accepted: the code of an existing class"),
        (["class", "answers", "ACEF", "--format", "xlsx", *data], "invalid choice: 'xlsx'"),
        (["class", "close", *data], "required: CODE"),
        (["class", "close", "ACE", *data], "class: 'ACE' is not accepted"),
        (["class", "close", "ACEF", *data], "the code of an existing class"),
        (["class", "close", "ACEF", "--db", unreachable], "cannot reach PostgreSQL"),
        (["serve", "--db", "sqlite:///x"], "db: 'sqlite:///x' is not accepted"),
        (["serve", "--data", ""], "data: '' is not accepted"),
    ]


def test_bad_input_to_every_class_command_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for argv, expected in bad_cases(tmp_path):
        try:
            status = main(argv)
        except SystemExit as stop:  # argparse's own usage errors exit from inside the parser
            status = stop.code
        assert status == 2, argv
        _, err = capsys.readouterr()
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("alledu: ") and expected in lines[0], (argv, err)
        assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["class", "answers", "K0MX"], ["class", "new", "--format", "xml"]])
def test_real_process_exit_status(argv: list[str], tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "alledu", *argv, "--data", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2 and r.stdout == "" and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_serve_passes_the_store_to_lesson_kernels(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import alledu.serve

    monkeypatch.setenv(ENV, "")  # recorded first, so the end of the test restores the original
    monkeypatch.delenv(ENV)
    seen: dict[str, str | None] = {}
    monkeypatch.setattr(alledu.serve, "serve", lambda **kw: seen.update(env=os.environ.get(ENV)) or 0)
    assert main(["serve", "--no-browser", "--data", str(tmp_path / "d")]) == 0
    assert seen["env"] == location(tmp_path / "d")
    assert "live-class answers are kept in" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main(["serve", "--no-browser", "--data", str(tmp_path / "file" / "d")]) == 0  # the lessons still run
    err = capsys.readouterr().err.strip()
    assert err.startswith("alledu: warning: class store") and "answers are not recorded" in err
    assert len(err.splitlines()) == 1
    monkeypatch.delenv(ENV)
    assert main(["serve", "--no-browser"]) == 0 and seen["env"] is None  # no option: nothing touched
