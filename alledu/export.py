"""Exports a learner can take away: iCalendar (one event per administration day) and CSV.

Why: a schedule on a calendar is how a learner sees the weeks a regimen occupies; the
icalendar package writes valid RFC 5545 so any calendar app opens it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from icalendar import Calendar, Event

from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.schedule import regimen, safety_notes


def handout_lines(regimen_id: str, age_years: float | None = None, context: dict[str, str] | None = None) -> list[str]:
    """What every exported schedule carries: notice, content dates, patient, safety notes, sources."""
    c = content()
    reg = regimen(regimen_id)
    lines = [
        c.meta.notice,
        f"{reg.title}. Content: 2021 review dated {c.meta.core_review.date}; "
        f"label as checked {c.meta.content_checked}.",
    ]
    if reg.off_label:
        lines.append(" ".join(reg.off_label.split()))
    for key, value in (context or {}).items():
        lines.append(f"{key}: {value}")
    lines += [f"Safety: {n.text} [{', '.join(n.cite)}]" for n in safety_notes(regimen_id, age_years)]
    keys = list(dict.fromkeys([*reg.cite, *(k for n in safety_notes(regimen_id, age_years) for k in n.cite)]))
    lines += [f"Source [{k}]: {c.citations[k].text}" for k in keys]
    return lines


def to_csv(
    frame: pd.DataFrame, regimen_id: str, age_years: float | None = None, context: dict[str, str] | None = None
) -> str:
    """The schedule as CSV, preceded by '# ' lines: notice, patient, safety notes and sources.

    Spreadsheets show the lines; `pandas.read_csv(..., comment="#")` skips them.
    """
    head = "".join(f"# {line}\n" for line in handout_lines(regimen_id, age_years, context))
    return head + frame.to_csv(index=False)


def to_ics(frame: pd.DataFrame, regimen_id: str, age_years: float | None = None) -> bytes:
    """One all-day event per administration day; needs a schedule built with a start date."""
    if "date" not in frame.columns:
        raise InvalidInput("start", None, "a start date (YYYY-MM-DD) for a calendar export")
    cal = Calendar()
    cal.add("prodid", "-//alledu//relapsed ALL teaching suite//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"alledu {regimen_id} (educational use only)")
    notice = content().meta.notice
    stamp = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # fixed: the same schedule gives the same file
    safety = [f"Safety: {n.text}" for n in safety_notes(regimen_id, age_years)]
    for row in frame.itertuples(index=False):
        event = Event()
        event.add("uid", f"{regimen_id}-c{row.cycle}-d{row.day}@alledu")
        event.add("dtstamp", stamp)
        event.add("dtstart", row.date)
        event.add("dtend", row.date + dt.timedelta(days=1))
        event.add("summary", f"{row.drug} {row.dose:.2f} {row.unit} (cycle {row.cycle} day {row.day})")
        details = [row.working, f"Sources: {row.citation}", notice, *safety]
        if row.premedication:
            details.insert(1, f"Premedication: {row.premedication}")
        if row.hospital:
            details.insert(1, "In hospital on this day.")
        event.add("description", "\n".join(details))
        cal.add_component(event)
    return cal.to_ical()
