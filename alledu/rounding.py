"""Named rounding policies for the displayed dose.

Why: rounding order changes doses. Rounding is a separate, visible step applied to the
final dose only (BSA stays unrounded unless the learner asks), and each result reports how
far it moved from the computed dose against the accepted tolerance (rounding.yaml).
"""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.models import RoundingPolicy


@dataclasses.dataclass(frozen=True)
class Rounded:
    """A computed dose and the dose shown under a policy."""

    computed: float
    shown: float
    policy: str
    deviation_percent: float
    within_tolerance: bool
    tolerance_percent: float
    step: float | None = None

    def text(self) -> str:
        """The shown dose with as many decimals as the policy keeps (2 when unrounded)."""
        if self.step is None:
            return f"{self.shown:.2f}"
        decimals = max(0, -Decimal(str(self.step)).normalize().as_tuple().exponent)
        return f"{self.shown:.{decimals}f}"


def policies() -> dict[str, RoundingPolicy]:
    return dict(content().rounding.policies)


def policy_text(template: str, unit: str) -> str:
    """A policy's label or explanation in the dose's unit ('nearest 5 mcg/day')."""
    return template.replace("{unit}", unit)


def policy(name: str) -> RoundingPolicy:
    table = content().rounding.policies
    if name not in table:
        raise InvalidInput("rounding", name, "one of " + ", ".join(table))
    return table[name]


def to_step(value: float, step: float) -> float:
    """Round half up to a multiple of `step`, in decimal so 2.675 -> 2.68 as a person expects."""
    q = Decimal(str(step))
    multiples = (Decimal(repr(value)) / q).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return float(multiples * q)


def round_dose(value: float, name: str | None = None) -> Rounded:
    """Apply a named policy to a final dose; report the deviation against the tolerance."""
    name = name or content().rounding.default
    p = policy(name)
    shown = value if p.step is None else to_step(value, p.step)
    deviation = 0.0 if value == 0 else abs(shown - value) / value * 100.0
    tolerance = content().rounding.tolerance_percent.value
    return Rounded(value, shown, name, deviation, deviation <= tolerance, tolerance, p.step)


def round_bsa(bsa_m2: float, decimals: int = 2) -> float:
    """Round a BSA, only when the learner chooses to (it changes every dose after it)."""
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 4:
        raise InvalidInput("bsa_decimals", decimals, "a whole number from 0 to 4")
    return to_step(bsa_m2, 10.0**-decimals)
