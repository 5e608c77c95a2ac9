"""Exports a learner can take away: iCalendar (one event per administration day), CSV and a PDF handout.

Why: a schedule on a calendar is how a learner sees the weeks a regimen occupies; the
icalendar package writes valid RFC 5545 so any calendar app opens it. The PDF (fpdf2) is the
paper copy a teacher hands out: the same lines as the CSV and the printable page, plus the
day table, so it never says less than the screen.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace
from icalendar import Calendar, Event

from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.schedule import dose_steps, regimen, safety_notes


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


# The PDF uses the core Helvetica font (no font file to ship or install), which is Latin-1:
# the few other characters the content uses are spelled out so no "?" replaces a sign.
_PDF_SPELLING = str.maketrans(
    {"≥": ">=", "≤": "<=", "—": "-", "–": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "→": "->"}
)


def pdf_text(text: object) -> str:
    """Text as the PDF prints it (core font, Latin-1); tests compare against this too."""
    return str(text).translate(_PDF_SPELLING).encode("latin-1", "replace").decode("latin-1")


def runs(days: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs: [1,2,3,8] -> [(1,3),(8,8)]."""
    out: list[tuple[int, int]] = []
    for d in sorted(days):
        if out and out[-1][1] == d - 1:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


class _Handout(FPDF):
    """A4 pages whose foot repeats the notice: a single page taken from the pile still carries it."""

    def __init__(self, notice: str) -> None:
        super().__init__(format="A4")
        self.notice = notice

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "I", 7)
        self.multi_cell(0, 3.5, pdf_text(f"{self.notice} Page {self.page_no()} of {{nb}}."), align="C")


def step_rows(frame: pd.DataFrame) -> list[list[str]]:
    """The day table, one row per run of days at one dose: cycle, days, dates, dose, working, hospital."""
    rows = []
    for s in dose_steps(frame):
        part = frame[(frame.cycle == s.cycle) & frame.day.between(s.first_day, s.last_day)]
        dates = f"{part.date.iloc[0]} to {part.date.iloc[-1]}" if "date" in part else ""
        stay = runs([int(d) for d in part[part.hospital].day])
        hosp = ", ".join(f"day {a}" if a == b else f"days {a}-{b}" for a, b in stay)
        rows.append([str(s.cycle), s.days_text, dates, f"{s.dose:.2f} {s.unit}", s.working, hosp])
    return rows


def to_pdf(
    frame: pd.DataFrame,
    regimen_id: str,
    age_years: float | None = None,
    context: dict[str, str] | None = None,
    fit: list[str] | None = None,
) -> bytes:
    """A PDF handout of one schedule: notice, content dates, patient and choices, safety notes,
    whom the dose is for, the day table, premedication days and references.
    """
    c, reg = content(), regimen(regimen_id)
    lines = handout_lines(regimen_id, age_years, context)
    pdf = _Handout(c.meta.notice)
    pdf.set_title(pdf_text(f"alledu: {reg.title}"))
    pdf.set_creator("alledu")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw

    def para(text: str, size: float = 10, style: str = "", gap: float = 1) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, size * 0.5, pdf_text(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    para(c.meta.title, 11)
    para(reg.title, 16, "B", 2)
    pdf.set_draw_color(213, 94, 0)
    pdf.set_fill_color(255, 244, 236)
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(width, 6, pdf_text(lines[0]), border=1, fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(0)
    pdf.ln(2)
    head, rest = lines[1:2], lines[2:]
    for line in head:
        para(line)
    para("For whom and how", 12, "B")
    for line in rest:
        if not line.startswith(("Safety: ", "Source [")):
            para(line)
    extra = [f for f in fit or [] if " ".join(f.split()) not in rest]
    if extra:
        para("Whom this dose is for", 12, "B")
        for line in extra:
            para(" ".join(line.split()))
    para("Safety notes", 12, "B")
    for line in rest:
        if line.startswith("Safety: "):
            para("- " + line.removeprefix("Safety: "))
    para("Doses, day by day", 12, "B")
    pdf.set_font("Helvetica", "", 8)
    heading = FontFace(emphasis="BOLD", fill_color=(234, 243, 251))
    with pdf.table(
        col_widths=(9, 14, 30, 20, 50, 17), headings_style=heading, line_height=4, text_align="LEFT"
    ) as table:
        for row in [["Cycle", "Days", "Dates", "Dose", "Working", "In hospital"], *step_rows(frame)]:
            cells = table.row()
            for cell in row:
                cells.cell(pdf_text(cell))
    pdf.ln(2)
    premed = frame[frame.premedication != ""]
    if len(premed):
        para("Premedication", 12, "B")
        for row in premed.itertuples(index=False):
            when = f" ({row.date})" if "date" in premed else ""
            para(f"Cycle {row.cycle} day {row.day}{when}: {row.premedication}", 9)
    para("References", 12, "B")
    for line in rest:
        if line.startswith("Source ["):
            para(line.removeprefix("Source "), 9)
    para(lines[0], 10, "B")
    return bytes(pdf.output())
