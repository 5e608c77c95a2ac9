"""Which regimens fit a patient, walked over rule trees kept in the regimen files.

Why: the rules are data (all / any / check / dated nodes), so a lesson can draw the same tree
and light the path a patient takes. Unknown facts use three-valued logic: a verdict is False as
soon as a known criterion fails, None only when nothing failed and a needed fact is unknown.

Sources: by default a patient is judged by the label in force on the content-checked date
(`view="label"`); `view="review"` judges by the 2021 review, for comparison. Every verdict
lists where the two disagree, so a page can show them side by side.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.models import Criterion, History, Regimen, Rule, Said, View
from alledu.patient import Answers, Patient
from alledu.schedule import check_view, regimen, regimen_ids, safety_notes

MONTHS_PER_YEAR = 12

_OPS = {
    "eq": "is",
    "in": "is one of",
    "ge": "at least",
    "gt": "more than",
    "le": "at most",
    "lt": "less than",
}


@dataclasses.dataclass(frozen=True)
class NodeResult:
    """The outcome of one node of a rule tree, for drawing a lit path."""

    path: str  # e.g. "0.2" = third child of the root
    kind: Literal["all", "any", "check"]
    result: bool | None
    field: str | None = None
    criterion: Criterion | None = None  # None on a check node: no criterion in this source
    value: Any = None
    reason: str | None = None
    children: tuple[NodeResult, ...] = ()


@dataclasses.dataclass(frozen=True)
class Verdict:
    """One regimen's verdict for one patient, in one view (label or review)."""

    regimen_id: str
    eligible: bool | None
    reasons: tuple[str, ...]
    missing: tuple[str, ...]
    citations: tuple[str, ...]
    notes: tuple[str, ...]
    differences: tuple[str, ...]  # where the review and the label in force disagree
    available: bool
    off_label: str | None
    view: View
    goal: str | None
    tree: NodeResult
    in_review: bool = True  # False: the review does not name this agent (never "ineligible" by it)

    @property
    def word(self) -> str:
        """The verdict in a word: 'eligible', 'not eligible', 'undecided' or 'not in the review'."""
        if not self.in_review and self.view == "review":
            return "not in the review"
        return {True: "eligible", False: "not eligible", None: "undecided"}[self.eligible]


def field_label(field: str) -> tuple[str, str]:
    """(label, unit) for a patient field, from patient_fields.yaml."""
    decl = content().patient_fields.get(field)
    if decl is None:
        return field.replace("_", " "), ""
    return decl.label, decl.unit or ""


def show(field: str, value: Any) -> str:
    """A value as a learner reads it: option labels ('Ph-negative', 'T-cell'), plain numbers."""
    decl = content().patient_fields.get(field)
    if isinstance(value, (list, tuple)):
        return " or ".join(show(field, v) for v in value)
    if decl is not None and decl.options:
        # 1 == True in Python: only look a bool up among bool options, a string among strings
        for key, label in decl.options.items():
            if key == value and isinstance(key, bool) == isinstance(value, bool):
                return label
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


def ordinal(n: float) -> str:
    """22 -> '22nd', 11 -> '11th'."""
    k = int(n)
    suffix = "th" if k % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def quantity(field: str, value: Any) -> str:
    """A patient's value with its unit, singular for one: '1 regimen', '2 relapses', '80 kg', 'Ph-negative'."""
    _label, unit = field_label(field)
    if not unit or isinstance(value, bool):
        return show(field, value)
    if value == 1 and unit.endswith("s"):
        unit = unit[:-1]
    return f"{show(field, value)} {unit}"


def criterion_text(field: str, c: Criterion) -> str:
    """The criterion in words, e.g. 'Age from 1 to 21 years (up to the 22nd birthday)'."""
    label, unit = field_label(field)
    unit = f" {unit}" if unit else ""
    if c.op == "between":
        lo, hi = c.value
        return f"{label} from {show(field, lo)} to {show(field, hi)}{unit}"
    if c.op == "years_between":
        lo, hi = c.value
        return f"{label} from {show(field, lo)} to {show(field, hi)} years old (up to the {ordinal(hi + 1)} birthday)"
    if c.op == "years_at_most":
        return f"{label} up to {show(field, c.value)} years old (before the {ordinal(c.value + 1)} birthday)"
    if c.op == "months_at_least":
        return f"{label} at least {show(field, c.value)} month{'' if c.value == 1 else 's'}"
    if c.op in ("eq", "in"):
        return f"{label}: {show(field, c.value)}"
    if c.value == 1 and unit.endswith("s"):
        unit = unit[:-1]  # "at least 1 year"
    return f"{label} {_OPS[c.op]} {show(field, c.value)}{unit}"


def test(c: Criterion, value: Any) -> bool | None:
    """True / False, or None when the patient's value is unknown."""
    if value is None:
        return None
    want = c.value
    match c.op:
        case "eq":
            return value == want
        case "in":
            return value in want
        case "ge":
            return value >= want
        case "gt":
            return value > want
        case "le":
            return value <= want
        case "lt":
            return value < want
        case "between":
            return want[0] <= value <= want[1]
        case "years_between":  # "1 to 21 years old" runs up to the 22nd birthday
            return want[0] <= value < want[1] + 1
        case "years_at_most":
            return value < want + 1
        case "months_at_least":  # ages are kept in years: read to the month's tenth, as shown (0.083 y = 1.0)
            return round(value * MONTHS_PER_YEAR, 1) >= want
    raise AssertionError(c.op)


def in_force(rule: Rule, view: View) -> tuple[str, Criterion | None, Said[Any] | None]:
    """(field, criterion in force in this view or None, the dated statement it came from)."""
    if rule.check is not None:
        return rule.check.field, rule.check, None
    assert rule.dated is not None
    said = rule.dated.history.said(view)
    return rule.dated.field, (said.value if said else None), said


def walk(rule: Rule, patient: Any, view: View, path: str = "0") -> NodeResult:
    """Evaluate every node (no short cut) so the whole lit tree can be drawn."""
    if rule.check is not None or rule.dated is not None:
        field, crit, said = in_force(rule, view)
        if crit is None:
            source = "the label in force" if view == "label" else "the review"
            why = f" ({said.note})" if said and said.note else ""
            label, _unit = field_label(field)
            return NodeResult(path, "check", True, field, None, None, f"{label}: no criterion in {source}{why}.")
        value = getattr(patient, field)
        result = test(crit, value)
        stated = criterion_text(field, crit)
        # the reason, unless it only repeats the criterion ("no other kinase inhibitor is indicated" twice)
        why = f" - {crit.why}" if crit.why and crit.why.lower().rstrip(".") not in stated.lower() else ""
        if value is None:
            reason = f"{stated}{why}. Patient: unknown."
        else:
            shown = quantity(field, value)
            if crit.op == "months_at_least" and value < 2:  # a young child's age against a limit in months
                shown += f", about {value * MONTHS_PER_YEAR:.1f} months"
            reason = f"{stated}{why}. Patient: {shown} ({'met' if result else 'not met'})."
        return NodeResult(path, "check", result, field, crit, value, reason)
    kind: Literal["all", "any"] = "all" if rule.all is not None else "any"
    children = tuple(walk(r, patient, view, f"{path}.{i}") for i, r in enumerate(rule.all or rule.any or ()))
    results = [c.result for c in children]
    if kind == "all":
        result = False if False in results else (None if None in results else True)
    else:
        result = True if True in results else (None if None in results else False)
    return NodeResult(path, kind, result, children=children)


def checks(node: NodeResult) -> list[NodeResult]:
    return [node] if node.kind == "check" else [n for c in node.children for n in checks(c)]


def _missing(node: NodeResult) -> list[str]:
    """Unknown fields that could still decide a None node."""
    if node.result is not None:
        return []
    if node.kind == "check":
        return [node.field] if node.field and node.criterion else []
    return [f for c in node.children if c.result is None for f in _missing(c)]


def _said_text(field: str, said: Said[Any] | None) -> str:
    if said is None or said.value is None:
        return "no criterion" + (f" ({said.note})" if said and said.note else "")
    return criterion_text(field, said.value)


def review_date() -> str:
    return content().meta.core_review.date.isoformat()


def history_differences(what: str, history: History[Any], fmt: Any = str, cites: list[str] | None = None) -> list[str]:
    """'The review (2021-07-02) says X; the label has said Y since DATE.' when they differ.

    "The review was already out of date on its own date" is said only when a label entry
    declares that it changed the meaning before the review's date (`outdates_review`), and
    that entry is the one named: a mere difference in wording never produces the sentence.
    """
    if not history.differs():
        return []
    review, label = history.review, history.said("label")
    if cites is not None:  # the sources behind the sentence, for the page's citation list
        for said in (review, label, history.outdated_review()):
            cites += [c for c in (said.cite if said else ()) if c not in cites]
    said_review = "says nothing about it" if review is None else f"says: {fmt(review).rstrip('.')}"
    if label is None:
        return [f"{what}: the review ({review_date()}) {said_review}; the label says nothing about it."]
    now = f"the label has said: {fmt(label).rstrip('.')} {label.dated()}"
    text = f"{what}: the review ({review_date()}) {said_review}; {now}."
    old = history.outdated_review()
    if old is not None:
        if old is label:
            text += " The review was already out of date on its own date."
        else:
            text += (
                f" The review was already out of date on its own date: the label had said"
                f" {fmt(old).rstrip('.')} {old.dated()}."
            )
    return [text]


def differences(reg: Regimen, cites: list[str] | None = None) -> list[str]:
    """Every place where the review and the label in force disagree for this regimen.

    `cites`, when given, collects the citation keys behind these sentences.
    """
    out: list[str] = []

    def crit_fmt(field: str):
        return lambda s: _said_text(field, s)

    def each(rule: Rule) -> None:
        if rule.dated is not None:
            label, _ = field_label(rule.dated.field)
            out.extend(history_differences(label, rule.dated.history, crit_fmt(rule.dated.field), cites))
        for child in rule.all or rule.any or ():
            each(child)

    out += history_differences("Indication", reg.indication, lambda s: s.value, cites)
    out += history_differences(
        "Availability", reg.status, lambda s: s.value + (f" ({s.note})" if s.note else ""), cites
    )
    each(reg.eligibility)
    for m in reg.max_cycles:
        out += history_differences(
            "Most cycles", m.value, lambda s: f"{s.value}" + (f" - {s.note}" if s.note else ""), cites
        )
    for plan in reg.cycles:
        first, last = plan.cycles
        span = f"cycle {first}" if first == last else f"cycles {first}-{last}" if last else f"cycles from {first}"
        out += history_differences(
            f"Cycle length ({span})",
            plan.length_days,
            lambda s: (
                (f"{s.value} days" if s.value is not None else "no fixed length") + (f" - {s.note}" if s.note else "")
            ),
            cites,
        )
    return out


def _cites(*groups: Any) -> list[str]:
    seen: list[str] = []
    for group in groups:
        seen += [c for c in group if c not in seen]
    return seen


def verdict(reg: Regimen, patient: Any, view: View = "label") -> Verdict:
    """Judge one regimen; reasons list every criterion with the patient's value.

    In the review's view an agent the review does not name is "not in the review": its verdict
    stays open and says so (the tree is drawn with the label's criteria), never "not eligible".
    """
    if view == "review" and not reg.in_review():
        return _not_in_review(reg, patient)
    tree = walk(reg.eligibility, patient, view)
    nodes = checks(tree)
    reasons = [n.reason for n in nodes if n.reason]
    cites = _cites(reg.cite)
    notes = [f"Label {n.when()}: {n.value}" for n in reg.dated_notes]
    cites = _cites(cites, *(n.cite for n in reg.dated_notes))
    if not reg.has_dose_plan():  # judged only: its safety notes stand with the verdict, with the dose in words
        shown = safety_notes(reg.id, getattr(patient, "age_years", None), view)
        notes += [f"Safety: {n.text}" for n in shown] + [f"Dose: {reg.dose_note}"]
        cites = _cites(cites, *(n.cite for n in shown))
    eligible = tree.result
    withdrawn = reg.withdrawn(view)
    if withdrawn is not None:
        reasons.append(f"No longer available: {withdrawn.note or 'approval withdrawn'} (since {withdrawn.when()}).")
        cites = _cites(cites, withdrawn.cite)
        eligible = False
    elif reg.withdrawn("label") is not None:
        w = reg.withdrawn("label")
        assert w is not None
        notes.insert(0, f"Withdrawn since {w.when()}: {w.note}")
        cites = _cites(cites, w.cite)

    def walk_cites(rule: Rule) -> None:
        nonlocal cites
        if rule.dated is not None:
            said = rule.dated.history.said(view)
            if said is not None:
                cites = _cites(cites, said.cite)
        for child in rule.all or rule.any or ():
            walk_cites(child)

    walk_cites(reg.eligibility)
    diff_cites: list[str] = []
    diffs = differences(reg, diff_cites)
    cites = _cites(cites, diff_cites)
    goal = None
    if eligible is not False and reg.relapse_goal:
        goal_fact = content().evidence.goal
        goal = goal_fact.text
        cites = _cites(cites, goal_fact.cite)
    return Verdict(
        regimen_id=reg.id,
        eligible=eligible,
        reasons=tuple(reasons),
        missing=tuple(dict.fromkeys(_missing(tree))) if eligible is None else (),
        citations=tuple(cites),
        notes=tuple(notes),
        differences=tuple(diffs),
        available=withdrawn is None,
        off_label=reg.off_label,
        view=view,
        goal=goal,
        tree=tree,
    )


def _not_in_review(reg: Regimen, patient: Any) -> Verdict:
    first = reg.indication.label[0] if reg.indication.label else None
    since = f"; the US label has covered it {first.dated()}" if first is not None else ""
    reason = f"Not in the review: the 2021 review ({review_date()}) does not name {reg.drug_name}{since}."
    cites = _cites(content().meta.core_review.cite, first.cite if first else (), reg.cite)
    return Verdict(
        regimen_id=reg.id,
        eligible=None,
        reasons=(reason,),
        missing=(),
        citations=tuple(cites),
        notes=(),
        differences=(),
        available=True,
        off_label=reg.off_label,
        view="review",
        goal=None,
        tree=walk(reg.eligibility, patient, "label"),
        in_review=False,
    )


def scope_line() -> str:
    """One line for any list of a patient's options: what the suite covers and what it does not."""
    names = list(dict.fromkeys(regimen(rid).drug_name for rid in regimen_ids()))
    not_covered = content().meta.scope.not_covered
    return f"Covered here: {', '.join(names)}. Not covered here: {'; '.join(not_covered)}."


def eligibility(patient: Any, view: View = "label") -> list[Verdict]:
    """One verdict per regimen id, in lesson order.

    `view="label"` (default) judges by the US label in force on the content-checked date;
    `view="review"` judges by the 2021 review, which a teacher may want for comparison. Each
    verdict's `differences` says where the two disagree.
    """
    if not isinstance(patient, (Patient, Answers)):
        raise InvalidInput("patient", patient, "an alledu.Patient")
    view = check_view(view)
    return [verdict(regimen(rid), patient, view) for rid in regimen_ids()]


def population_fit(reg: Regimen, age_years: float | None, view: View = "label") -> list[str]:
    """Whom this regimen's dose is for, said next to the dose when the patient falls outside.

    Uses the age criteria of the regimen's own tree (so the warning can never disagree with the
    verdict), and its off-label statement.
    """
    out: list[str] = []
    if reg.off_label:
        out.append(reg.off_label)
    if age_years is None:
        return out

    def ages(rule: Rule) -> list[tuple[Criterion, str]]:
        found = []
        if rule.check is not None or rule.dated is not None:
            field, crit, _said = in_force(rule, view)
            if field == "age_years" and crit is not None:
                found.append((crit, field))
        for child in rule.all or rule.any or ():
            found += ages(child)
        return found

    for crit, field in ages(reg.eligibility):
        if test(crit, age_years) is False:
            why = f" ({crit.why})" if crit.why else ""
            out.append(
                f"Not this patient's dose: {reg.short_title} is for patients with {criterion_text(field, crit).lower()}"
                f"{why}; this patient is {show(field, age_years)} years old."
            )
    return out
