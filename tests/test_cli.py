"""Command line: real subprocesses, exit codes, one-line errors, every format."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from icalendar import Calendar

CHILD = ["--age", "9", "--height-cm", "130", "--weight-kg", "30"]
ADULT = ["--age", "40", "--height-cm", "170", "--weight-kg", "70"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "alledu", *args], capture_output=True, text=True, timeout=60)


def test_issue_example() -> None:
    r = run("schedule", "blinatumomab_rr", *CHILD, "--cycles", "2")
    assert r.returncode == 0, r.stderr
    assert "56 administration days" in r.stdout
    lines = [line.split() for line in r.stdout.splitlines()[2:]]
    assert len(lines) == 56
    assert [ln[2] for ln in lines[:7]] == ["5.20"] * 7
    assert {ln[2] for ln in lines[7:]} == {"15.61"}


def test_csv_and_json() -> None:
    r = run(
        "schedule",
        "nelarabine_adult",
        *ADULT,
        "--format",
        "csv",
    )
    assert r.returncode == 0 and r.stdout.splitlines()[0].startswith("cycle,day,regimen_id,drug")
    assert len(r.stdout.strip().splitlines()) == 4
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
            ["schedule", "blinatumomab_rr", *CHILD, "--cycles", "6"],
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
