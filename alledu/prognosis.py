"""Prognosis after relapse: published figures, and which factors apply to a patient.

Why: learners should see that prognosis comes from cohorts, not from a formula for one
person. So this module only checks which published factors apply and returns the figure
the paper gives for that group; it invents no cut-off the paper does not give. The curve
is an explicitly labelled model through two published summary points.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

from alledu.content_loader import content
from alledu.eligibility import test
from alledu.errors import InvalidInput
from alledu.models import Amount
from alledu.patient import Patient


@dataclasses.dataclass(frozen=True)
class FactorResult:
    id: str
    label: str
    present: bool | None  # None: unknown for this patient
    p_value: str | None
    detail: str


@dataclasses.dataclass(frozen=True)
class FirstRelapseResult:
    figures: dict[str, Amount]
    factors: tuple[FactorResult, ...]
    favourable_count: int
    unknown_count: int
    no_influence: tuple[str, ...]
    summary: str
    cite: tuple[str, ...]


def first_relapse(patient: Patient | None = None, *, transplant_in_cr2: bool | None = None) -> FirstRelapseResult:
    """LALA-94 figures, with each favourable factor checked against the patient."""
    fr = content().evidence.first_relapse
    results = []
    for f in fr.favourable_factors:
        if f.input == "transplant_in_cr2":
            if transplant_in_cr2 is not None and not isinstance(transplant_in_cr2, bool):
                raise InvalidInput("transplant_in_cr2", transplant_in_cr2, "True, False or None")
            present = transplant_in_cr2
            detail = "set by the learner" if present is not None else "not set"
        elif f.check is not None:
            value = getattr(patient, f.check.field) if patient else None
            present = test(f.check, value)
            detail = "unknown" if value is None else f"patient value {value:g}"
        else:
            present, detail = None, "not assessable"
        results.append(FactorResult(f.id, f.label, present, f.p_value, detail))
    count = sum(r.present is True for r in results)
    unknown = sum(r.present is None for r in results)
    summary = (
        f"{count} of {len(results)} favourable factors present"
        + (f", {unknown} unknown" if unknown else "")
        + f". The paper reports group figures, not a score for one patient: among the patients who reached CR2,"
        f" median disease-free survival {fr.figures['median_dfs_months'].value:g} months and 5-year DFS"
        f" {fr.figures['dfs_5y_percent'].value:g}%."
    )
    return FirstRelapseResult(dict(fr.figures), tuple(results), count, unknown, fr.no_influence, summary, fr.cite)


@dataclasses.dataclass(frozen=True)
class SecondSalvageResult:
    figures: dict[str, Amount]
    low_cr_group: bool | None  # CR1 < 36 months and platelets < 50; None if unknown
    expected_cr_percent: float | None
    low_cr_text: str
    adverse_marked: tuple[str, ...]
    adverse_count: int | None
    survival_12m_percent: float | None
    survival_text: str
    cite: tuple[str, ...]


def survival_factor_ids() -> list[str]:
    return [f.id for f in content().evidence.second_salvage.survival_factors]


def second_salvage(patient: Patient | None = None, *, adverse: Iterable[str] | None = None) -> SecondSalvageResult:
    """O'Brien 2008 figures: the low-CR warning and 12-month survival by adverse factors.

    `adverse` is the set of survival factors the learner marks as adverse (ids from
    survival_factor_ids()); the paper gives no cut-offs, so nothing is inferred.
    """
    ss = content().evidence.second_salvage
    rule = ss.low_cr_rule
    tests = [test(c, getattr(patient, c.field) if patient else None) for c in rule.all]
    low = False if False in tests else (None if None in tests else True)
    expected = rule.expected_cr_percent.value if low else None
    if low:
        low_text = f"{rule.label}: expected CR rate {expected:g}%."
    elif low is None:
        low_text = f"Unknown whether the low-CR group applies ({rule.label}): CR1 duration or platelets missing."
    else:
        overall = ss.figures["cr_percent"].value
        low_text = f"Not in the low-CR group ({rule.label}); the cohort's overall CR rate was {overall:g}%."
    marked: tuple[str, ...] = ()
    count = survival = None
    surv_text = "Mark which survival factors are adverse to see the paper's 12-month survival figure."
    if adverse is not None:
        valid = survival_factor_ids()
        marked = tuple(adverse)
        for a in marked:
            if a not in valid:
                raise InvalidInput("adverse", a, "any of " + ", ".join(valid))
        count = len(set(marked))
        band = next(b for b in ss.survival_by_adverse_count if b.min <= count <= b.max)
        survival = band.survival_12m_percent.value
        surv_text = f"{count} adverse factor(s) marked: expected 12-month survival {survival:g}%."
    return SecondSalvageResult(dict(ss.figures), low, expected, low_text, marked, count, survival, surv_text, ss.cite)


@dataclasses.dataclass(frozen=True)
class CureModel:
    """S(t) = pi + (1 - pi) exp(-lambda t): an illustration, not trial data."""

    cure_fraction: float
    rate_per_month: float
    label: str
    cite: tuple[str, ...]

    def survival(self, months: float) -> float:
        return self.cure_fraction + (1 - self.cure_fraction) * math.exp(-self.rate_per_month * months)

    def curve(self, until_months: float = 72, step: float = 1.0) -> list[tuple[float, float]]:
        n = int(until_months / step)
        return [(i * step, self.survival(i * step)) for i in range(n + 1)]


def cure_model() -> CureModel:
    """Fit pi and lambda exactly through the two published points (bisection on pi)."""
    m = content().evidence.model
    (t1, s1), (t2, s2) = ((p.months, p.survival) for p in m.points)

    def rate(pi: float) -> float:
        return -math.log((s1 - pi) / (1 - pi)) / t1

    def gap(pi: float) -> float:
        return pi + (1 - pi) * math.exp(-rate(pi) * t2) - s2

    lo, hi = 0.0, min(s1, s2) - 1e-12
    for _ in range(200):
        mid = (lo + hi) / 2
        if gap(lo) * gap(mid) <= 0:
            hi = mid
        else:
            lo = mid
    pi = (lo + hi) / 2
    return CureModel(pi, rate(pi), m.label, m.cite)
