"""Command line: real subprocesses, exit codes, one-line errors, every format."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from icalendar import Calendar

CHILD = ["--age", "9", "--height-cm", "130", "--weight-kg", "30"]
ADULT = ["--age", "40", "--height-cm", "170", "--weight-kg", "70"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "alledu", *args], capture_output=True, text=True, timeout=60)


def _table(stdout: str) -> list[list[str]]:
    """The rows of the CLI's schedule table (after the notes and the header line)."""
    lines = stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:2] == ["cycle", "day"])
    return [line.split() for line in lines[head + 1 :]]


def test_issue_example() -> None:
    r = run("schedule", "blinatumomab_rr", *CHILD, "--cycles", "2")
    assert r.returncode == 0, r.stderr
    assert "56 administration days" in r.stdout
    lines = _table(r.stdout)
    assert len(lines) == 56
    assert [ln[2] for ln in lines[:7]] == ["5.20"] * 7
    assert {ln[2] for ln in lines[7:]} == {"15.61"}


def test_table_output_carries_safety_notes_and_whom_the_dose_is_for() -> None:
    r = run("schedule", "nelarabine_adult", *CHILD)
    assert r.returncode == 0, r.stderr
    assert "Educational use only" in r.stdout
    assert "Safety: Boxed warning: neurologic toxicity" in r.stdout
    assert "Not this patient's dose" in r.stdout and "this patient is 9 years old" in r.stdout
    child = run("schedule", "blinatumomab_rr", *CHILD).stdout
    assert "In hospital: cycle 1 days 1-9; cycle 2 days 1-2." in child
    assert "Dexamethasone 5 mg/m2 (max 20 mg)" in child and "Dexamethasone 20 mg IV" not in child


def test_csv_and_json() -> None:
    r = run(
        "schedule",
        "nelarabine_adult",
        *ADULT,
        "--format",
        "csv",
    )
    lines = r.stdout.strip().splitlines()
    notes = [line for line in lines if line.startswith("# ")]
    assert notes[0].startswith("# Educational use only")
    assert any(line.startswith("# Safety: Boxed warning: neurologic toxicity") for line in notes)
    assert "# Patient: age 40 years, height 170 cm, weight 70 kg" in notes
    assert any(line.startswith("# Source [arranon]: ARRANON") for line in notes)
    table = lines[len(notes) :]
    assert r.returncode == 0 and table[0].startswith("cycle,day,regimen_id,drug")
    assert len(table) == 4
    r = run(
        "schedule",
        "nelarabine_adult",
        *ADULT,
        "--format",
        "json",
        "--start",
        "2026-03-02",
    )
    rows = json.loads(r.stdout)
    assert [row["day"] for row in rows] == [1, 3, 5] and rows[2]["date"].startswith("2026-03-06")
    assert rows[0]["dose"] == pytest.approx(1500 * (170 * 70 / 3600) ** 0.5)


def test_ics_one_event_per_day() -> None:
    r = run(
        "schedule",
        "inotuzumab",
        *ADULT,
        "--cycles",
        "2",
        "--choice",
        "response=cr",
        "--start",
        "2026-01-01",
        "--format",
        "ics",
    )
    assert r.returncode == 0, r.stderr
    cal = Calendar.from_ical(r.stdout)
    events = cal.walk("VEVENT")
    assert len(events) == 6
    assert [e.decoded("dtstart").isoformat() for e in events][:4] == [
        "2026-01-01",
        "2026-01-08",
        "2026-01-15",
        "2026-01-22",
    ]
    assert "1.45 mg" in str(events[0]["summary"])


def test_ics_a_continuous_infusion_is_one_event_per_run_of_days() -> None:
    """Issue 21: three blinatumomab cycles wrote 84 all-day events, one per infusion day."""
    r = run("schedule", "blinatumomab_rr", *ADULT, "--cycles", "3", "--start", "2026-01-05", "--format", "ics")
    assert r.returncode == 0, r.stderr
    events = Calendar.from_ical(r.stdout).walk("VEVENT")
    got = [(str(e["summary"]), e.decoded("dtstart").isoformat(), e.decoded("dtend").isoformat()) for e in events]
    assert got == [  # 9 mcg/day days 1-7, then the step-up to 28; cycles start 42 days apart
        ("Blinatumomab 9.00 mcg/day, continuous IV infusion (cycle 1 days 1-7)", "2026-01-05", "2026-01-12"),
        ("Blinatumomab 28.00 mcg/day, continuous IV infusion (cycle 1 days 8-28)", "2026-01-12", "2026-02-02"),
        ("Blinatumomab 28.00 mcg/day, continuous IV infusion (cycle 2 days 1-28)", "2026-02-16", "2026-03-16"),
        ("Blinatumomab 28.00 mcg/day, continuous IV infusion (cycle 3 days 1-28)", "2026-03-30", "2026-04-27"),
    ]
    first = str(events[0]["description"])
    assert "In hospital on days 1-7." in first and "Premedication, day 1: Dexamethasone 20 mg IV" in first
    assert "In hospital on days 8-9." in str(events[1]["description"])
    assert len({str(e["uid"]) for e in events}) == 4


def test_csv_numbers_as_the_page_shows_them() -> None:
    """Issue 21: the CSV held doses like 5.204164998665331."""
    r = run("schedule", "blinatumomab_rr", *CHILD, "--format", "csv")
    rows = list(csv.DictReader(line for line in r.stdout.splitlines() if not line.startswith("#")))
    assert rows[0]["dose"] == "5.2" and rows[0]["dose_text"] == "5.20 mcg/day"  # 5 x 1.0408 m2
    assert rows[0]["bsa_m2"] == "1.0408"
    assert all(len(row["dose"].partition(".")[2]) <= 2 for row in rows)


def test_bsa_all_and_json() -> None:
    r = run("bsa", "--height-cm", "170", "--weight-kg", "70", "--format", "json")
    values = json.loads(r.stdout)
    assert values["mosteller"] == pytest.approx(1.8181, abs=1e-4) and values["boyd"] == pytest.approx(1.8347, abs=1e-4)


def test_eligibility_output() -> None:
    r = run(
        "eligibility",
        *CHILD,
        "--lineage",
        "B",
        "--cd19-positive",
        "yes",
        "--status",
        "relapsed",
        "--ph-positive",
        "no",
        "--format",
        "json",
    )
    rows = {row["regimen_id"]: row for row in json.loads(r.stdout)}
    assert rows["blinatumomab_rr"]["eligible"] is True
    assert rows["clofarabine_pediatric"]["eligible"] is None
    assert rows["clofarabine_pediatric"]["missing"] == ["prior_regimens"]


def test_eligibility_views() -> None:
    ph_pos = [*ADULT, "--lineage", "B", "--cd19-positive", "yes", "--status", "relapsed", "--ph-positive", "yes"]
    label = run("eligibility", *ph_pos)
    assert label.returncode == 0 and "blinatumomab_rr: ELIGIBLE" in label.stdout
    assert "review vs label: Philadelphia chromosome" in label.stdout
    review = run("eligibility", *ph_pos, "--view", "review")
    assert "blinatumomab_rr: not eligible" in review.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ["bsa", "--height-cm", "170", "--weight-kg", "abc"],
            "weight_kg: 'abc' is not accepted; accepted: 1 to 300 kg",
        ),
        (
            ["bsa", "--height-cm", "1000", "--weight-kg", "70"],
            "height_cm: 1000.0 is not accepted; accepted: 30 to 250 cm",
        ),
        (["bsa", "--height-cm", "nan", "--weight-kg", "70"], "height_cm: 'nan'"),
        (
            ["schedule", "blinatumomab_rr", *CHILD, "--cycles", "10"],
            "cycles: 10 is not accepted; accepted: 1 to 9",
        ),
        (
            ["schedule", "blinatumomab_rr", *CHILD, "--cycles", "6", "--view", "review"],
            "cycles: 6 is not accepted; accepted: 1 to 5",
        ),
        (["schedule", "blinatumomab_rr", *CHILD, "--start", "2026-02-30"], "start: '2026-02-30'"),
        (["schedule", "nosuch", *CHILD], "invalid choice: 'nosuch'"),
        (["schedule", "inotuzumab", *CHILD, "--choice", "response"], "choice: 'response'"),
        (["schedule", "blinatumomab_rr", *CHILD, "--format", "ics"], "start: None"),
        (["eligibility", "--age", "130", "--height-cm", "170", "--weight-kg", "70"], "age_years: 130.0"),
        (["eligibility", *CHILD, "--mrd", "101"], "mrd_percent: 101.0 is not accepted; accepted: 0 to 100 %"),
        (["bsa", "--height-cm", "170"], "required: --weight-kg"),
    ],
)
def test_bad_input_one_line_exit_2(args: list[str], needle: str) -> None:
    r = run(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert needle in r.stderr
    assert "Traceback" not in r.stderr


def test_console_script_installed() -> None:
    from pathlib import Path

    script = Path(sys.executable).with_name("alledu")
    r = subprocess.run(
        [str(script), "bsa", "--height-cm", "130", "--weight-kg", "30", "--formula", "mosteller"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0 and "1.0408" in r.stdout
