"""Lesson 08 (the CAR-T journey), headless: verdicts, the cell dose, and the course's days."""

from __future__ import annotations

import pytest

from alledu.journey import plan, products
from alledu.patient import Patient
from alledu.widgets.cart import CarTJourney

UNIT = "CAR-positive viable T cells"


def test_opens_with_three_products_judged_and_a_full_course() -> None:
    w = CarTJourney()
    assert w.message.value == ""
    lines = w.summary.splitlines()
    assert lines[:3] == ["tisagenlecleucel: eligible", "brexucabtagene: eligible", "obecabtagene: eligible"]
    assert "Tisagenlecleucel day 0: 1.0 x 10^7 to 2.5 x 10^8 " + UNIT in lines  # 58 kg: the flat range
    assert "Near the treating centre: days 1-14 (label since 2025-06-26)" in lines
    assert "Near the treating centre: days 1-28 (label since 2017-08-30, earlier rule)" in lines
    assert "No driving: days 1-56 (label since 2017-08-30, earlier rule)" in lines
    assert any(line.startswith("Safety: Boxed warning: cytokine release syndrome") for line in lines)
    # one lane per step on the drawing, the pre-2025 rules beside today's
    labels = [lane.label for lane in w.lanes]
    assert labels[:3] == ["Lymphodepletion: Fludarabine", "Lymphodepletion: Cyclophosphamide", "Infusion"]
    assert "No driving (label since 2017-08-30, earlier rule)" in labels and "No driving" in labels
    assert w.plot.value.startswith("<svg") and "2026-02-25" in w.plot.value  # day -5 of a 2026-03-02 infusion
    assert "Not covered here: salvage chemotherapy combinations" in w.verdicts.value
    assert "The patient&#x27;s own T cells" in w.steps.value and "&amp;#x27;" not in w.steps.value  # escaped once


def test_age_band_and_cd19() -> None:
    w = CarTJourney()
    w.age.set(26)
    assert w.summary.splitlines()[:3] == [
        "tisagenlecleucel: not eligible",  # up to 25 years of age
        "brexucabtagene: eligible",
        "obecabtagene: eligible",
    ]
    assert "Not this patient's product by the label" in w.dose.value
    w.cd19.value = False
    assert all(line.endswith("not eligible") for line in w.summary.splitlines()[:3])
    w.cd19.value = None
    assert w.summary.splitlines()[1] == "brexucabtagene: undecided"


@pytest.mark.parametrize(("kg", "dose"), [(30, "3.0 x 10^7"), (70, "7.0 x 10^7"), (120, "1.0 x 10^8")])
def test_brexucabtagene_dose_in_the_lesson(kg: float, dose: str) -> None:
    w = CarTJourney()
    w.product.value = "brexucabtagene"
    w.weight.set(kg)
    assert f"Brexucabtagene autoleucel day 0: {dose} {UNIT}" in w.summary
    assert f"{dose} {UNIT}" in w.dose.value
    assert ("capped at 1.0 x 10^8" in w.dose.value) is (kg == 120)


def test_a_product_whose_dose_is_not_verified_shows_why_and_no_dose() -> None:
    w = CarTJourney()
    w.product.value = "obecabtagene"
    assert "The two split amounts are not verified here" in w.dose.value
    assert UNIT + "</td>" not in w.dose.value and "Dose: 410 x 10^6" in w.summary
    assert w.lanes == [] and w.plot.value == ""


def test_bad_entry_shows_a_message_and_no_dose() -> None:
    w = CarTJourney()
    w.weight.text.value = "0"
    assert "Weight: “0” is not accepted. Accepted: 1 to 300 kg" in w.message.value
    assert w.dose.value == "" and w.verdicts.value == "" and w.summary.startswith("ERROR")
    w.weight.set(70)
    assert w.message.value == "" and UNIT in w.dose.value


def test_journey_steps_count_from_the_infusion() -> None:
    import datetime as dt

    p = Patient(age_years=20, height_cm=170, weight_kg=70, lineage="B", cd19_positive=True, disease_status="refractory")
    j = plan("tisagenlecleucel", p, dt.date(2026, 3, 2))
    assert [(s.what, s.days(), s.dates(j.infusion)) for s in j.steps if s.in_force][:4] == [
        ("Leukapheresis", "-", ""),
        ("Lymphodepletion: Fludarabine", "days -5 to -2", "2026-02-25 to 2026-02-28"),
        ("Lymphodepletion: Cyclophosphamide", "days -5 to -4", "2026-02-25 to 2026-02-26"),
        ("Infusion", "day 0", "2026-03-02"),
    ]
    assert products() == ("tisagenlecleucel", "brexucabtagene", "obecabtagene")


def test_undecided_and_inconsistent_entries() -> None:
    w = CarTJourney()
    w.cd19.value = None
    assert "Undecided for this patient by the label: it needs CD19 on the blasts." in w.dose.value
    w.status.value = "relapsed"
    assert "Relapse number: “0” is not accepted. Accepted: 1 or more for relapsed disease." in w.message.value
    assert w.dose.value == ""
    w.relapses.value = 2
    assert w.message.value == "" and w.summary.splitlines()[0] == "tisagenlecleucel: undecided"
