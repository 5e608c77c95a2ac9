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
from alledu.models import Amount, SurvivalBand
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
    adverse_marked: tuple[str, ...]  # factor ids the learner marked adverse
    not_adverse_marked: tuple[str, ...]  # factor ids the learner judged not adverse
    unmarked: tuple[str, ...]  # factor ids not marked either way: unknown, never counted as absent
    adverse_count: int | None  # None unless every factor is marked
    survival_12m_percent: float | None  # None unless every factor is marked
    survival_range: tuple[float, float]  # lowest and highest figure the unmarked factors allow
    survival_text: str
    cite: tuple[str, ...]


def survival_factor_ids() -> list[str]:
    return [f.id for f in content().evidence.second_salvage.survival_factors]


def _factor_ids(argument: str, given: Iterable[str] | None) -> set[str]:
    """The ids given, each checked against the paper's factors (a bare string is refused, not split)."""
    if given is None:
        return set()
    valid = survival_factor_ids()
    if isinstance(given, str):
        raise InvalidInput(argument, given, "a list of any of " + ", ".join(valid))
    ids = set()
    for a in given:
        if a not in valid:
            raise InvalidInput(argument, a, "any of " + ", ".join(valid))
        ids.add(a)
    return ids


def _band(count: int) -> SurvivalBand:
    return next(b for b in content().evidence.second_salvage.survival_by_adverse_count if b.min <= count <= b.max)


def _band_label(band: SurvivalBand) -> str:
    return f"{band.min}" if band.min == band.max else f"{band.min}-{band.max}"


def _survival_text(adverse: int, not_adverse: int, unmarked: int) -> tuple[float | None, tuple[float, float], str]:
    """The figure (only when every factor is marked), the range the unmarked factors allow, and the words.

    Why: an unmarked factor is unknown, not absent; counting it as absent put every unmarked
    patient in the best group. So the range runs over every way the unmarked factors could be
    marked, from the paper's bands, and one figure is given only once the learner has decided all.
    """
    total = adverse + not_adverse + unmarked
    bands = [_band(n) for n in range(adverse, adverse + unmarked + 1)]
    values = [b.survival_12m_percent.value for b in bands]
    low, high = min(values), max(values)
    first, last = _band_label(bands[0]), _band_label(bands[-1])
    groups = f"group with {first}" if first == last else f"groups with {first} to {last}"
    if unmarked == 0:
        text = (
            f"All {total} factors marked, {adverse} adverse: expected 12-month survival {low:g}%"
            f" (the paper's {groups} adverse factors)."
        )
        return low, (low, high), text
    spread = f"{low:g}%" if low == high else f"{low:g}% to {high:g}%"
    if unmarked == total:
        return (
            None,
            (low, high),
            f"No survival factor marked yet ({unmarked} of {total} factors not marked): 12-month survival could be"
            f" anywhere from {spread} (the paper's {groups} adverse factors). Mark each factor adverse or not"
            " adverse to see the paper's figure for this patient.",
        )
    them = "the unmarked factor" if unmarked == 1 else "the unmarked factors"
    if low == high:  # every completion falls in one band: say so, and still ask for the marks
        depends = f" whichever way {them} {'is' if unmarked == 1 else 'are'} marked"
        ask = f"Mark {'it' if unmarked == 1 else 'them'} to complete the picture."
    else:
        depends, ask = f", depending on {them}", f"Mark {'it' if unmarked == 1 else 'them'} to see a single figure."
    text = (
        f"{unmarked} of {total} factors not marked ({adverse} adverse, {not_adverse} not adverse so far):"
        f" expected 12-month survival {spread}{depends} (the paper's {groups} adverse factors). {ask}"
    )
    return None, (low, high), text


def second_salvage(
    patient: Patient | None = None,
    *,
    adverse: Iterable[str] | None = None,
    not_adverse: Iterable[str] | None = None,
) -> SecondSalvageResult:
    """O'Brien 2008 figures: the low-CR warning and 12-month survival by adverse factors.

    The paper gives no cut-offs, so nothing is inferred: the learner says which survival
    factors (ids from survival_factor_ids()) are `adverse` and which are `not_adverse`; a
    factor in neither is not marked, and the result gives the range it allows, not a figure.
    With `adverse` alone (the older call, by callers that decide every factor) the factors not
    listed are taken as not adverse. With neither, nothing is marked: the full range.
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
    ids = survival_factor_ids()
    bad = _factor_ids("adverse", adverse)
    good = _factor_ids("not_adverse", not_adverse)
    if both := [i for i in ids if i in bad & good]:
        raise InvalidInput("not_adverse", both[0], "factors not also marked adverse")
    if adverse is not None and not_adverse is None:
        good = set(ids) - bad
    unmarked = tuple(i for i in ids if i not in bad | good)
    survival, spread, surv_text = _survival_text(len(bad), len(good), len(unmarked))
    return SecondSalvageResult(
        figures=dict(ss.figures),
        low_cr_group=low,
        expected_cr_percent=expected,
        low_cr_text=low_text,
        adverse_marked=tuple(i for i in ids if i in bad),
        not_adverse_marked=tuple(i for i in ids if i in good),
        unmarked=unmarked,
        adverse_count=len(bad) if not unmarked else None,
        survival_12m_percent=survival,
        survival_range=spread,
        survival_text=surv_text,
        cite=ss.cite,
    )


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
