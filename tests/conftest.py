"""Shared fixtures: the patients the tests reason about."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alledu import Patient


@pytest.fixture
def child_30kg() -> Patient:
    """The issue's worked example: 9 years, 130 cm, 30 kg (Mosteller BSA 1.0408 m2)."""
    return Patient(age_years=9, height_cm=130, weight_kg=30)


@pytest.fixture
def adult_70kg() -> Patient:
    """170 cm, 70 kg (Mosteller BSA 1.8181 m2)."""
    return Patient(age_years=40, height_cm=170, weight_kg=70)


@pytest.fixture(scope="session")
def served() -> Iterator[str]:
    """Base URL of a real Voila server running the lessons (shared by served and browser tests)."""
    from tests.server import running_server

    with running_server() as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One Playwright and one Chromium for the whole run (Debian's, see tests/browser_support.py).

    Playwright's sync API allows one running instance per process, so every browser test shares it.
    """
    import os

    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM_FLAGS, chromium_path

    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        except Exception as exc:
            if os.environ.get("CI") == "true":
                raise  # in CI browser tests must run, never skip
            pytest.skip(f"no Chromium here ({exc.__class__.__name__}); run .ci/browser-deps.sh")
        yield b
        b.close()
