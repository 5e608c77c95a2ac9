"""View models under the widgets: dose rows and timeline bars, checked without ipywidgets."""

from __future__ import annotations

import alledu
from alledu.views import dose_rows, timeline_bars


def test_view_models_need_no_widgets() -> None:
    import ast
    from pathlib import Path

    tree = ast.parse(Path(alledu.__file__).with_name("views.py").read_text())
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(name.split(".")[0] in ("ipywidgets", "plotly", "traitlets") for name in imported)


def test_dose_rows_child_blinatumomab(child_30kg) -> None:
    reg = alledu.regimen("blinatumomab_rr")
    frame = alledu.schedule(reg.id, child_30kg, cycles=2)
    rows = dose_rows(frame, reg, "exact")
    assert [(r.cycle, r.days, r.shown, r.unit, r.basis) for r in rows] == [
        (1, "days 1-7", "5.20", "mcg/day", "per m2"),
        (1, "days 8-28", "15.61", "mcg/day", "per m2"),
        (2, "days 1-28", "15.61", "mcg/day", "per m2"),
    ]
    assert [r.cap for r in rows] == ["cap 9 mcg/day not reached"] + ["cap 28 mcg/day not reached"] * 2
    five = dose_rows(frame, reg, "five")
    assert [r.shown for r in five] == ["5", "15", "15"]  # nearest 5 mcg/day: 3.9% and 3.9% off
    assert all(r.within_tolerance for r in five)
    assert [round(r.deviation_percent, 1) for r in five] == [3.9, 3.9, 3.9]


def test_dose_rows_cap_wording(adult_70kg) -> None:
    reg = alledu.regimen("vincristine_liposomal")
    (row,) = dose_rows(alledu.schedule(reg.id, adult_70kg), reg, "exact")
    assert row.cap == "the label sets no cap" and row.shown == "4.09"
    reg = alledu.regimen("blinatumomab_rr")
    rows = dose_rows(alledu.schedule(reg.id, adult_70kg), reg, "exact")
    assert {r.cap for r in rows} == {"fixed dose (no BSA, no cap)"}
    frame = alledu.schedule(reg.id, alledu.Patient(age_years=15, height_cm=160, weight_kg=44), bsa_m2=2.0)
    capped = dose_rows(frame, reg, "exact")
    assert capped[0].capped and capped[0].cap == "▲ CAPPED: 10.00 → 9.00 mcg/day"


def test_timeline_bars_follow_the_step_up(child_30kg) -> None:
    infos = alledu.timeline("blinatumomab_rr", 2, age_years=9)
    frame = alledu.schedule("blinatumomab_rr", child_30kg, cycles=2)
    bars = timeline_bars(infos, frame)
    doses = [b for b in bars if b.kind == "doses"]
    assert [(b.cycle, b.first_day, b.last_day, b.course_day) for b in doses] == [
        (1, 1, 7, 1),
        (1, 8, 28, 8),
        (2, 1, 28, 43),
    ]
    assert doses[0].text.startswith("Cycle 1 days 1-7 (continuous infusion): 5.20 mcg/day")
    assert doses[1].text.startswith("Cycle 1 days 8-28 (continuous infusion): 15.61 mcg/day")
    hospital = [(b.cycle, b.first_day, b.last_day) for b in bars if b.kind == "hospital"]
    assert hospital == [(1, 1, 9), (2, 1, 2)]
    assert [(b.cycle, b.first_day) for b in bars if b.kind == "premedication"] == [(1, 1), (1, 8)]  # a child
    assert [(b.course_day, b.length) for b in bars if b.kind == "treatment-free"] == [(29, 14), (71, 14)]


def test_timeline_bars_single_days(adult_70kg) -> None:
    infos = alledu.timeline("nelarabine_adult", 2)
    bars = timeline_bars(infos, alledu.schedule("nelarabine_adult", adult_70kg, cycles=2))
    assert [(b.course_day, b.text.split(":")[0]) for b in bars if b.kind == "doses"] == [
        (1, "Cycle 1 day 1"),
        (3, "Cycle 1 day 3"),
        (5, "Cycle 1 day 5"),
        (22, "Cycle 2 day 1"),
        (24, "Cycle 2 day 3"),
        (26, "Cycle 2 day 5"),
    ]


def test_step_rows_say_days_dose_and_hospital_stay_per_step(child_30kg) -> None:
    from alledu.views import STEP_COLUMNS, step_rows

    frame = alledu.schedule("blinatumomab_rr", child_30kg, cycles=2, start="2026-01-05")
    rows = step_rows(frame)
    assert len(STEP_COLUMNS) == len(rows[0]) == 6
    assert [(r[0], r[1], r[2], r[3], r[5]) for r in rows] == [
        ("1", "days 1-7", "2026-01-05 to 2026-01-11", "5.20 mcg/day", "days 1-7"),
        ("1", "days 8-28", "2026-01-12 to 2026-02-01", "15.61 mcg/day", "days 8-9"),
        ("2", "days 1-28", "2026-02-16 to 2026-03-15", "15.61 mcg/day", "days 1-2"),
    ]
    assert rows[0][4] == "5 mcg/m2/day x 1.0408 m2 = 5.20 mcg/day"
