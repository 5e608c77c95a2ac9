"""Which regimens fit a patient, walked over rule trees kept in the regimen files.

Why: the rules are data (all / any / check nodes), so a lesson can draw the same tree and
light the path a patient takes. Unknown facts use three-valued logic: a verdict is False as
soon as a known criterion fails, None only when nothing failed and a needed fact is unknown.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from alledu.content_loader import content
from alledu.errors import InvalidInput
from alledu.models import Check, Regimen, Rule
from alledu.patient import Answers, Patient
from alledu.schedule import regimen, regimen_ids

Layered = Literal["core-2021", "current"]

_OPS = {
    "eq": "is",
    "in": "is one of",
    "ge": "at least",
    "gt": "more than",
    "le": "at most",
    "lt": "less than",
    "between": "from",
}


@dataclasses.dataclass(frozen=True)
class NodeResult:
    """The outcome of one node of a rule tree, for drawing a lit path."""

    path: str  # e.g. "0.2" = third child of the root
    kind: Literal["all", "any", "check"]
    result: bool | None
    check: Check | None = None
    value: Any = None
    reason: str | None = None
    children: tuple[NodeResult, ...] = ()


@dataclasses.dataclass(frozen=True)
class Verdict:
    """One regimen's verdict for one patient."""

    regimen_id: str
    eligible: bool | None
    reasons: tuple[str, ...]
    missing: tuple[str, ...]
    citations: tuple[str, ...]
    notes: tuple[str, ...]
    status: str
    layer: Layered
    goal: str | None
    tree: NodeResult


def field_label(field: str) -> tuple[str, str]:
    """(label, unit) for a patient field, from eligibility.yaml."""
    for q in content().questions.questions:
        if q.field == field:
            return q.label, q.unit or ""
    return field.replace("_", " "), ""


def _show(field: str, value: Any) -> str:
    """A value as a learner reads it: option labels ('Ph-negative', 'T-cell'), plain numbers."""
    for q in content().questions.questions:
        if q.field != field or not q.options or isinstance(value, (list, tuple)):
            continue
        # 1 == True in Python: only look a bool up among bool options, a string among strings
        if value in q.options and isinstance(value, bool) == isinstance(next(iter(q.options)), bool):
            return q.options[value]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return " or ".join(_show(field, v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)


def criterion_text(check: Check) -> str:
    """The criterion in words, e.g. 'Age from 1 to 21 years'."""
    label, unit = field_label(check.field)
    unit = f" {unit}" if unit else ""
    if check.op == "between":
        lo, hi = check.value
        return f"{label} from {_show(check.field, lo)} to {_show(check.field, hi)}{unit}"
    if check.op in ("eq", "in"):
        return f"{label}: {_show(check.field, check.value)}"
    return f"{label} {_OPS[check.op]} {_show(check.field, check.value)}{unit}"


def test(check: Check, value: Any) -> bool | None:
    """True / False, or None when the patient's value is unknown."""
    if value is None:
        return None
    want = check.value
    match check.op:
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
    raise AssertionError(check.op)


def active_check(check: Check, layer: Layered) -> tuple[Check | None, str | None]:
    """The check in force in this layer, and the update note that changed it (if any)."""
    if layer == "current" and check.update is not None:
        return check.update.replace_with, check.update.note
    return check, None


def walk(rule: Rule, patient: Patient | Answers, layer: Layered, path: str = "0") -> NodeResult:
    """Evaluate every node (no short cut) so the whole lit tree can be drawn."""
    if rule.check is not None:
        check, changed = active_check(rule.check, layer)
        if check is None:
            return NodeResult(path, "check", True, rule.check, None, f"No longer a criterion: {changed}")
        value = getattr(patient, check.field)
        result = test(check, value)
        _label, unit = field_label(check.field)
        why = f" - {check.why}" if check.why else ""
        if value is None:
            reason = f"{criterion_text(check)}{why}. Patient: unknown."
        else:
            shown = f"{_show(check.field, value)}{' ' + unit if unit else ''}"
            mark = "met" if result else "not met"
            reason = f"{criterion_text(check)}{why}. Patient: {shown} ({mark})."
        return NodeResult(path, "check", result, check, value, reason)
    kind: Literal["all", "any"] = "all" if rule.all is not None else "any"
    children = tuple(walk(r, patient, layer, f"{path}.{i}") for i, r in enumerate(rule.all or rule.any or ()))
    results = [c.result for c in children]
    if kind == "all":
        result = False if False in results else (None if None in results else True)
    else:
        result = True if True in results else (None if None in results else False)
    return NodeResult(path, kind, result, children=children)


def _checks(node: NodeResult) -> list[NodeResult]:
    return [node] if node.kind == "check" else [n for c in node.children for n in _checks(c)]


def _missing(node: NodeResult) -> list[str]:
    """Unknown fields that could still decide a None node."""
    if node.result is not None:
        return []
    if node.kind == "check":
        return [node.check.field] if node.check else []
    return [f for c in node.children if c.result is None for f in _missing(c)]


def verdict(reg: Regimen, patient: Patient | Answers, layer: Layered = "core-2021") -> Verdict:
    """Judge one regimen; reasons list every criterion with the patient's value."""
    tree = walk(reg.eligibility, patient, layer)
    checks = _checks(tree)
    reasons = [n.reason for n in checks if n.reason]
    notes = [f"{n.layer.describe()}: {n.text}" for n in reg.notes if n.layer.name == "update"]
    cites = list(reg.cite)
    for n in reg.notes:
        if n.layer.name == "update":
            cites += [c for c in n.cite if c not in cites]
    eligible = tree.result
    status = reg.status.name
    if reg.status.name == "withdrawn":
        notes.insert(0, f"Withdrawn {reg.status.date}: {reg.status.note}")
        cites += [c for c in reg.status.cite if c not in cites]
        if layer == "current":
            reasons.append(f"No longer available: approval withdrawn {reg.status.date}.")
            eligible = False
    for n in checks:  # criteria changed by a later update: cite the source of the change
        if n.check is not None and n.check.update is not None:
            cites += [c for c in n.check.update.cite if c not in cites]
    goal_fact = content().evidence.goal
    goal = None
    if eligible is not False and reg.relapse_goal:
        goal = goal_fact.text
        cites += [c for c in goal_fact.cite if c not in cites]
    return Verdict(
        regimen_id=reg.id,
        eligible=eligible,
        reasons=tuple(reasons),
        missing=tuple(dict.fromkeys(_missing(tree))) if eligible is None else (),
        citations=tuple(cites),
        notes=tuple(notes),
        status=status,
        layer=layer,
        goal=goal,
        tree=tree,
    )


def eligibility(patient: Patient | Answers, layer: Layered = "core-2021") -> list[Verdict]:
    """One verdict per regimen id, in lesson order.

    `layer="core-2021"` judges by the 2021 review; `layer="current"` applies the dated
    updates kept in the content (dropped or changed criteria, withdrawals).
    """
    if not isinstance(patient, (Patient, Answers)):
        raise InvalidInput("patient", patient, "an alledu.Patient")
    if layer not in ("core-2021", "current"):
        raise InvalidInput("layer", layer, "'core-2021' or 'current'")
    return [verdict(regimen(rid), patient, layer) for rid in regimen_ids()]
