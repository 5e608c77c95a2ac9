"""A teacher's own question answered in a real Chromium, served by a real Voila with the folder
passed as `alledu serve --content DIR --content-only` passes it, recorded in a live class (issue 22)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alledu import exercises as E
from alledu.authoring import folder as F
from alledu.authoring.cli import EXAMPLE
from alledu.live import location, open_store
from tests.live_support import served_lessons

pytestmark = pytest.mark.browser


def test_a_learner_answers_a_teachers_question_and_the_class_records_it(
    browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine"
    shutil.copytree(EXAMPLE, mine)
    env = {F.ENV: str(mine), F.ENV_ONLY: "1"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(F, "_current", {})
    first = E.quiz_items(1)[0]  # every learner's quiz starts with the same question (seed 1)
    url = location(tmp_path / "store")
    store = open_store(url)
    info, _ = store.create_class("Own questions")
    with served_lessons(url, ("06_self_check_quiz",), extra_env=env) as base:
        page = browser.new_context(viewport={"width": 1280, "height": 1600}).new_page()
        page.set_default_timeout(90_000)
        page.goto(f"{base}voila/render/06_self_check_quiz.ipynb?class={info.code}", wait_until="domcontentloaded")
        page.wait_for_selector(f"text=Joined class {info.code}")
        page.wait_for_selector("text=Your teacher's question")
        assert first.prompt.split("**")[0][:30] in page.inner_text(".alledu-teacher-prompt")
        total = len(F.load(mine).questions)
        page.wait_for_selector(f"text=Question 1 of {total}")
        if first.input == "single":
            label = first.options[first.correct[0]]
            page.locator(".widget-radio-box label", has_text=label).locator("input").check()
        elif first.input == "multiple":
            for key in first.correct:
                page.get_by_label(first.options[key], exact=True).check()
        elif first.input == "numeric":
            page.get_by_label("Your answer", exact=False).fill(f"{first.correct:g}")
        else:
            page.get_by_label("Your answer", exact=False).fill(first.correct[0])
        page.click("text=Check answer")
        page.wait_for_selector("text=✓ Correct")
        page.wait_for_selector(f"text=✓ Answer sent to class {info.code}.")
        assert "Traceback" not in page.inner_text("body")
    rows = store.answers(info.code)
    assert [(r.question, r.correct) for r in rows] == [(first.id, True)]
    assert first.id.startswith("teacher:")


def test_an_edit_while_serving_shows_on_the_next_page_load_and_a_broken_one_does_not(
    browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine"
    shutil.copytree(EXAMPLE, mine)
    monkeypatch.setattr(F, "_snapshot_path", lambda root: tmp_path / "snapshot.json")
    F._save_snapshot(mine)  # as `alledu serve --content` does before it starts
    env = {F.ENV: str(mine), F.ENV_ONLY: "1"}
    page = browser.new_context(viewport={"width": 1280, "height": 1200}).new_page()
    page.set_default_timeout(90_000)
    with served_lessons(location(tmp_path / "store"), ("06_self_check_quiz",), extra_env=env) as base:
        quiz = f"{base}voila/render/06_self_check_quiz.ipynb"
        page.goto(quiz, wait_until="domcontentloaded")
        total = len(F.load(mine).questions)
        page.wait_for_selector(f"text=Question 1 of {total} ")
        (mine / "more.yaml").write_text(
            "questions:\n  - {id: added, kind: truefalse, prompt: Added today, answer: true}\n"
        )
        page.goto(quiz, wait_until="domcontentloaded")
        page.wait_for_selector(f"text=Question 1 of {total + 1} ")
        (mine / "more.yaml").write_text(
            "questions:\n  - {id: added, kind: truefalse, prompt: Broken, answer: perhaps}\n"
        )
        page.goto(quiz, wait_until="domcontentloaded")
        page.wait_for_selector(f"text=Question 1 of {total + 1} ")  # the last good version, not the broken edit
        assert "Traceback" not in page.inner_text("body")
