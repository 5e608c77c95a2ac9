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
