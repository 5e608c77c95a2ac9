"""Exports a learner can take away: iCalendar (one event per run of dosing days), CSV and a PDF handout.

Why: a schedule on a calendar is how a learner sees the weeks a regimen occupies; the
icalendar package writes valid RFC 5545 so any calendar app opens it. The PDF (fpdf2) is the
paper copy a teacher hands out: the same lines as the CSV and the printable page, plus the
day table, so it never says less than the screen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from icalendar import Calendar, Event

from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.schedule import regimen, safety_notes
from alledu.views import STEP_COLUMNS, step_rows


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


# Decimals the CSV keeps: doses as the page shows them (5.40 mcg/day), BSA as the working does (1.0801 m2).
CSV_DECIMALS = {"dose": 2, "dose_low": 2, "dose_high": 2, "dose_before_cap": 2, "bsa_m2": 4}


def to_csv(
    frame: pd.DataFrame, regimen_id: str, age_years: float | None = None, context: dict[str, str] | None = None
) -> str:
    """The schedule as CSV, preceded by '# ' lines: notice, patient, safety notes and sources.

    Spreadsheets show the lines; `pandas.read_csv(..., comment="#")` skips them.
    """
    head = "".join(f"# {line}\n" for line in handout_lines(regimen_id, age_years, context))
    return head + frame.round(CSV_DECIMALS).to_csv(index=False)


def _days(days: list[int]) -> str:
    """'day 8' or 'days 1-28' (a run of consecutive days)."""
    return f"day {days[0]}" if len(days) == 1 else f"days {days[0]}-{days[-1]}"


def _runs(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """The schedule's rows cut into runs: consecutive dates of one drug at one dose in one cycle.

    A 28-day continuous infusion is one event, not 28; a dose that steps up on day 8 starts a new one.
    """
    runs: list[pd.DataFrame] = []
    for _, rows in frame.groupby(["cycle", "drug", "dose_text", "working"], sort=False):
        rows = rows.sort_values("date")
        gaps = pd.to_datetime(rows["date"]).diff().dt.days.fillna(1).ne(1).cumsum()
        runs += [run for _, run in rows.groupby(gaps, sort=False)]
    return sorted(runs, key=lambda run: (run["date"].iloc[0], run.index[0]))


def to_ics(frame: pd.DataFrame, regimen_id: str, age_years: float | None = None) -> bytes:
    """One all-day event per run of days (see `_runs`); needs a schedule built with a start date."""
    if "date" not in frame.columns or frame["date"].isna().any():
        raise InvalidInput("start", None, "a start date (YYYY-MM-DD) for a calendar export")
    cal = Calendar()
    cal.add("prodid", "-//alledu//relapsed ALL teaching suite//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"alledu {regimen_id} (educational use only)")
    notice = content().meta.notice
    stamp = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # fixed: the same schedule gives the same file
    safety = [f"Safety: {n.text}" for n in safety_notes(regimen_id, age_years)]
    own = content().regimens[regimen_id].drug_name
    for run in _runs(frame):
        first, days = run.iloc[0], [int(d) for d in run["day"]]
        event = Event()
        drug = "" if first.drug == own else f"-{first.drug.lower()}"  # lymphodepletion drugs: uids of their own
        span = f"d{days[0]}" if len(days) == 1 else f"d{days[0]}-{days[-1]}"
        event.add("uid", f"{regimen_id}{drug}-c{first.cycle}-{span}@alledu")
        event.add("dtstamp", stamp)
        event.add("dtstart", first.date)
        event.add("dtend", run["date"].iloc[-1] + dt.timedelta(days=1))
        how = "" if len(days) == 1 else f", {first.route}"
        event.add("summary", f"{first.drug} {first.dose_text}{how} (cycle {first.cycle} {_days(days)})")
        details = [first.working]
        hospital = [int(r.day) for r in run.itertuples() if r.hospital]
        if hospital:
            details.append(f"In hospital on {_days(hospital)}." if len(hospital) > 1 else "In hospital on this day.")
        details += [f"Premedication, day {int(r.day)}: {r.premedication}" for r in run.itertuples() if r.premedication]
        details += [f"Sources: {first.citation}", notice, *safety]
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


# Page layout of the handout (mm, points, RGB): display settings, not clinical facts, and the
# only numbers the domain may hold outside content (tests/test_architecture.py knows this table).
PDF_LAYOUT: dict[str, Any] = {
    "page_break_mm": 15,
    "footer_from_bottom_mm": -14,
    "footer_pt": 7,
    "footer_line_mm": 3.5,
    "line_mm_per_pt": 0.5,
    "gap_mm": 1,
    "section_gap_mm": 2,
    "suite_pt": 11,
    "title_pt": 16,
    "notice_pt": 11,
    "notice_line_mm": 6,
    "text_pt": 10,
    "small_pt": 9,
    "heading_pt": 12,
    "table_pt": 8,
    "table_line_mm": 4,
    "table_col_widths": (9, 14, 30, 20, 50, 17),
    "notice_border_rgb": (213, 94, 0),
    "notice_fill_rgb": (255, 244, 236),
    "table_head_rgb": (234, 243, 251),
    "black": 0,
}


def _handout(notice: str) -> Any:
    """A4 pages whose foot repeats the notice: a single page taken from the pile still carries it.

    fpdf2 (and the imaging library it loads, ~0.26 s) is imported here, when a PDF is asked for,
    not when a lesson kernel or the command line starts.
    """
    from fpdf import FPDF

    class Handout(FPDF):
        def footer(self) -> None:
            L = PDF_LAYOUT
            self.set_y(L["footer_from_bottom_mm"])
            self.set_font("Helvetica", "I", L["footer_pt"])
            text = pdf_text(f"{notice} Page {self.page_no()} of {{nb}}.")
            self.multi_cell(0, L["footer_line_mm"], text, align="C")

    return Handout(format="A4")


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
    c, reg, L = content(), regimen(regimen_id), PDF_LAYOUT
    lines = handout_lines(regimen_id, age_years, context)
    pdf = _handout(c.meta.notice)
    pdf.set_title(pdf_text(f"alledu: {reg.title}"))
    pdf.set_creator("alledu")
    pdf.set_auto_page_break(auto=True, margin=L["page_break_mm"])
    pdf.add_page()
    width = pdf.epw

    def para(text: str, size: str = "text_pt", style: str = "", gap: str = "gap_mm") -> None:
        pdf.set_font("Helvetica", style, L[size])
        pdf.multi_cell(width, L[size] * L["line_mm_per_pt"], pdf_text(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(L[gap])

    def heading(text: str) -> None:
        para(text, "heading_pt", "B")

    para(c.meta.title, "suite_pt")
    para(reg.title, "title_pt", "B", "section_gap_mm")
    pdf.set_draw_color(*L["notice_border_rgb"])
    pdf.set_fill_color(*L["notice_fill_rgb"])
    pdf.set_font("Helvetica", "B", L["notice_pt"])
    notice = pdf_text(lines[0])
    pdf.multi_cell(width, L["notice_line_mm"], notice, border=1, fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(L["black"])
    pdf.ln(L["section_gap_mm"])
    dates, rest = lines[1], lines[2:]
    para(dates)
    heading("For whom and how")
    for line in rest:
        if not line.startswith(("Safety: ", "Source [")):
            para(line)
    extra = [f for f in fit or [] if " ".join(f.split()) not in rest]
    if extra:
        heading("Whom this dose is for")
        for line in extra:
            para(" ".join(line.split()))
    heading("Safety notes")
    for line in rest:
        if line.startswith("Safety: "):
            para("- " + line.removeprefix("Safety: "))
    heading("Doses, day by day")
    pdf.set_font("Helvetica", "", L["table_pt"])
    from fpdf.fonts import FontFace

    head_style = FontFace(emphasis="BOLD", fill_color=L["table_head_rgb"])
    with pdf.table(
        col_widths=L["table_col_widths"], headings_style=head_style, line_height=L["table_line_mm"], text_align="LEFT"
    ) as table:
        for row in [list(STEP_COLUMNS), *step_rows(frame)]:
            cells = table.row()
            for cell in row:
                cells.cell(pdf_text(cell))
    pdf.ln(L["section_gap_mm"])
    premed = frame[frame.premedication != ""]
    if len(premed):
        heading("Premedication")
        for row in premed.itertuples(index=False):
            when = f" ({row.date})" if "date" in premed else ""
            para(f"Cycle {row.cycle} day {row.day}{when}: {row.premedication}", "small_pt")
    heading("References")
    for line in rest:
        if line.startswith("Source ["):
            para(line.removeprefix("Source "), "small_pt")
    para(lines[0], "text_pt", "B")
    return bytes(pdf.output())
