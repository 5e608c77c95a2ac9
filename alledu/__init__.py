"""alledu: teaching how relapsed acute lymphoblastic leukemia (ALL) is treated.

Educational use only, not for clinical decisions. Every clinical number lives in
alledu/content/ with its citation; this package computes from it.
"""

from alledu.bsa import all_formulas, bsa, formula_ids, inches_to_cm, pounds_to_kg
from alledu.content_loader import content
from alledu.eligibility import Verdict, eligibility
from alledu.errors import ContentError, InvalidInput
from alledu.patient import Patient
from alledu.prognosis import cure_model, first_relapse, second_salvage
from alledu.rounding import round_bsa, round_dose
from alledu.schedule import regimen, regimen_ids, schedule, timeline

__version__ = "0.1.0"

__all__ = [
    "ContentError",
    "InvalidInput",
    "Patient",
    "Verdict",
    "all_formulas",
    "bsa",
    "content",
    "cure_model",
    "eligibility",
    "first_relapse",
    "formula_ids",
    "inches_to_cm",
    "pounds_to_kg",
    "regimen",
    "regimen_ids",
    "round_bsa",
    "round_dose",
    "schedule",
    "second_salvage",
    "timeline",
]
