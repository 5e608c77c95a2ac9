"""What a page must show beside any dose or schedule of a regimen, as plain data.

Why: the dose calculator, the timeline, the day table, the printable page, the CSV and the
command line all show a regimen's doses, and each must carry the same things next to them:
whom the dose is for, the safety notes, the indication as the label has it now and as the
2021 review had it, where the two disagree, and the sources. One pure function builds that
view model (tested without ipywidgets); the widgets only render it.
"""

from __future__ import annotations

import dataclasses

from alledu.content_loader import content
from alledu.eligibility import differences, population_fit
from alledu.models import Note, View
from alledu.schedule import regimen, safety_notes


@dataclasses.dataclass(frozen=True)
class Brief:
    """Everything that stands next to a regimen's dose."""

    regimen_id: str
    title: str
    short_title: str
    mechanism: str
    route: str
    indication_label: str | None  # the label in force; None: the label says nothing (off-label)
    indication_label_when: str | None
    indication_review: str | None
    review_date: str
    withdrawn: str | None  # e.g. "Withdrawn since 2022-05-02: ..."
    fit: tuple[str, ...]  # population warnings for this patient (and off-label)
    safety: tuple[Note, ...]
    notes: tuple[Note, ...]
    dated_notes: tuple[str, ...]
    differences: tuple[str, ...]
    citations: tuple[str, ...]

    def safety_texts(self) -> list[str]:
        return [n.text for n in self.safety]


def brief(regimen_id: str, age_years: float | None = None, view: View = "label") -> Brief:
    """The view model of a regimen for one patient (age picks adult or child premedication)."""
    reg = regimen(regimen_id)
    label = reg.indication.said("label")
    review = reg.indication.said("review")
    withdrawn = reg.withdrawn("label")
    safety = tuple(safety_notes(regimen_id, age_years, view))
    cites: list[str] = []
    for group in (
        reg.cite,
        label.cite if label else (),
        review.cite if review else (),
        *(n.cite for n in safety),
        *(n.cite for n in reg.notes),
        *(n.cite for n in reg.dated_notes),
    ):
        cites += [c for c in group if c not in cites]
    return Brief(
        regimen_id=reg.id,
        title=reg.title,
        short_title=reg.short_title,
        mechanism=reg.mechanism,
        route=reg.route,
        indication_label=label.value if label else None,
        indication_label_when=(label.when() if label and not reg.indication.plain else None),
        indication_review=review.value if review and not reg.indication.plain else None,
        review_date=content().meta.core_review.date.isoformat(),
        withdrawn=f"Withdrawn since {withdrawn.when()}: {withdrawn.note}" if withdrawn else None,
        fit=tuple(population_fit(reg, age_years, view)),
        safety=safety,
        notes=tuple(reg.notes),
        dated_notes=tuple(f"Label {n.when()}: {n.value}" for n in reg.dated_notes),
        differences=tuple(differences(reg)),
        citations=tuple(cites),
    )
