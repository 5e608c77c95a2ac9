"""Body surface area (m2) from height and weight, by the formulas in bsa_formulas.yaml.

Why: mg/m2 doses are only as right as the BSA under them. The result is never rounded here;
rounding is a separate, named step the learner can see (alledu.rounding).
"""

from __future__ import annotations

import math

from alledu import validate
from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.models import BsaFormula

CM_PER_INCH = 2.54  # exact by definition of the inch
KG_PER_POUND = 0.45359237  # exact by definition of the pound


def formula_ids() -> list[str]:
    """Formula ids in content order (the default is content().bsa.default)."""
    return list(content().bsa.formulas)


def formula_info(name: str) -> BsaFormula:
    """The formula's constants and citation; unknown names list the valid ones."""
    formulas = content().bsa.formulas
    if not isinstance(name, str) or name not in formulas:  # also unhashable values: no TypeError
        raise InvalidInput("formula", name, "one of " + ", ".join(formulas))
    return formulas[name]


def bsa(*, height_cm: float, weight_kg: float, formula: str | None = None) -> float:
    """BSA in m2, unrounded. `formula` defaults to the content's default (Mosteller).

    Only None means the default: an empty or false formula is a mistake, not a request.
    """
    f = formula_info(content().bsa.default if formula is None else formula)
    h = validate.number("height_cm", height_cm)
    w = validate.number("weight_kg", weight_kg)
    if f.kind == "sqrt":
        return math.sqrt(h * w / f.divisor)
    if f.kind == "power":
        return f.coefficient * h**f.height_exponent * w**f.weight_exponent
    grams = w * 1000.0
    exponent = f.weight_base - f.weight_log_slope * math.log10(grams)
    return f.coefficient * h**f.height_exponent * grams**exponent


def dosing_bsa(value: float, *, height_cm: float, weight_kg: float) -> float:
    """A computed BSA a dose may be based on: not below the content's smallest BSA (bsa_m2).

    Why: 30 cm and 1 kg are each inside their limits, but their BSA (0.09 m2) is below any
    dosing table; a dose from it would show as "0.00 mg" rather than as a mistake.
    """
    lowest = content().limits["bsa_m2"].min
    if value < lowest:
        raise InvalidInput(
            "bsa_m2",
            round(value, 4),
            validate.accepted_range("bsa_m2"),
            f"computed from height_cm={height_cm:g} and weight_kg={weight_kg:g}; check both",
        )
    return value


def all_formulas(*, height_cm: float, weight_kg: float) -> dict[str, float]:
    """Every formula's BSA for the same body, for side-by-side teaching."""
    return {name: bsa(height_cm=height_cm, weight_kg=weight_kg, formula=name) for name in formula_ids()}


def inches_to_cm(inches: float) -> float:
    """Convert a height in inches to cm (exact factor)."""
    if isinstance(inches, bool) or not isinstance(inches, (int, float)) or not math.isfinite(inches):
        raise InvalidInput("height_in", inches, "a finite number of inches")
    return float(inches) * CM_PER_INCH


def pounds_to_kg(pounds: float) -> float:
    """Convert a weight in pounds to kg (exact factor)."""
    if isinstance(pounds, bool) or not isinstance(pounds, (int, float)) or not math.isfinite(pounds):
        raise InvalidInput("weight_lb", pounds, "a finite number of pounds")
    return float(pounds) * KG_PER_POUND
