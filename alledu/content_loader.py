"""Load the YAML content once, validate it, and hand out frozen objects.

Why: content is read through importlib.resources so the package works installed or in
place, and every file is checked at load, including cross-references (citation keys, drugs,
choice names, patient fields, regimen ids in the quiz and cases, dates of label entries), so
no broken fact reaches a learner.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from alledu.errors import ContentError, InvalidInput
from alledu.models import (
    BsaFormulas,
    Citation,
    Drug,
    Evidence,
    History,
    Lessons,
    Limit,
    Meta,
    PatientField,
    QuestionBank,
    Regimen,
    Rounding,
    Rule,
    Said,
    Scenario,
)

M = TypeVar("M", bound=BaseModel)


@dataclasses.dataclass(frozen=True)
class Content:
    """Everything in alledu/content/, validated."""

    meta: Meta
    citations: dict[str, Citation]
    limits: dict[str, Limit]
    patient_fields: dict[str, PatientField]
    bsa: BsaFormulas
    rounding: Rounding
    evidence: Evidence
    drugs: dict[str, Drug]
    regimens: dict[str, Regimen]
    lessons: Lessons
    quiz: QuestionBank
    scenarios: tuple[Scenario, ...]
    labels: dict[str, str]


def read_yaml(root: Traversable, name: str) -> Any:
    """Parse one file; a YAML syntax error names the file."""
    try:
        return yaml.safe_load(root.joinpath(name).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{name}: not valid YAML: {exc}") from exc


def parse(model: type[M], data: Any, name: str) -> M:
    """Validate raw data; the error names the file, each bad field and its value."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"field {where}: {err['msg']} (got {err.get('input')!r})")
        raise ContentError(f"{name}: " + "; ".join(problems)) from None


def parse_mapping(model: type[M], data: Any, name: str) -> dict[str, M]:
    if not isinstance(data, dict):
        raise ContentError(f"{name}: expected a mapping of id -> entry, got {type(data).__name__}")
    return {key: parse(model, value, f"{name} [{key}]") for key, value in data.items()}


def _regimen(raw: Any, drugs: dict[str, Drug], name: str) -> Regimen:
    """A regimen file plus its drug's names, mechanism and safety notes (written once)."""
    if not isinstance(raw, dict):
        raise ContentError(f"{name}: expected a mapping, got {type(raw).__name__}")
    for key in ("drug_name", "aliases", "mechanism"):
        if key in raw:
            raise ContentError(f"{name}: field {key}: belongs in drugs.yaml (written once per drug)")
    drug = drugs.get(raw.get("drug", ""))
    if drug is None:
        raise ContentError(f"{name}: field drug: {raw.get('drug')!r} is not defined in drugs.yaml")
    own = raw.get("safety") or []
    merged = {
        **raw,
        "drug_name": drug.name,
        "aliases": list(drug.aliases),
        "mechanism": drug.mechanism,
        "safety": [n.model_dump() for n in drug.safety] + list(own),
    }
    return parse(Regimen, merged, name)


def _labels(data: Any) -> dict[str, str]:
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ContentError("labels.yaml: expected a mapping of input name -> learner label (text)")
    return data


def load_from(root: Traversable) -> Content:
    """Load and cross-check every content file below `root`."""
    meta = parse(Meta, read_yaml(root, "meta.yaml"), "meta.yaml")
    drugs = parse_mapping(Drug, read_yaml(root, "drugs.yaml"), "drugs.yaml")
    regimens = {}
    for rid in meta.regimens:
        name = f"regimens/{rid}.yaml"
        regimen = _regimen(read_yaml(root, name), drugs, name)
        if regimen.id != rid:
            raise ContentError(f"{name}: field id: {regimen.id!r} does not match the file name")
        regimens[rid] = regimen
    scen_root = root.joinpath("scenarios")
    scen_names = sorted(p.name for p in scen_root.iterdir() if p.name.endswith(".yaml"))
    content = Content(
        meta=meta,
        citations=parse_mapping(Citation, read_yaml(root, "citations.yaml"), "citations.yaml"),
        limits=parse_mapping(Limit, read_yaml(root, "limits.yaml"), "limits.yaml"),
        patient_fields=parse_mapping(PatientField, read_yaml(root, "patient_fields.yaml"), "patient_fields.yaml"),
        bsa=parse(BsaFormulas, read_yaml(root, "bsa_formulas.yaml"), "bsa_formulas.yaml"),
        rounding=parse(Rounding, read_yaml(root, "rounding.yaml"), "rounding.yaml"),
        evidence=parse(Evidence, read_yaml(root, "evidence.yaml"), "evidence.yaml"),
        drugs=drugs,
        regimens=regimens,
        lessons=parse(Lessons, read_yaml(root, "lessons.yaml"), "lessons.yaml"),
        quiz=parse(QuestionBank, read_yaml(root, "quiz.yaml"), "quiz.yaml"),
        scenarios=tuple(parse(Scenario, read_yaml(scen_root, n), f"scenarios/{n}") for n in scen_names),
        labels=_labels(read_yaml(root, "labels.yaml")),
    )
    cross_check(content)
    return content


@functools.cache
def content() -> Content:
    """The package's own content, loaded once per process."""
    return load_from(resources.files("alledu").joinpath("content"))


def walk(obj: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """Yield (path, key, value) for every field of nested models, tuples and dicts."""
    if isinstance(obj, BaseModel):
        for key in type(obj).model_fields:
            value = getattr(obj, key)
            yield path, key, value
            yield from walk(value, f"{path}.{key}" if path else key)
    elif isinstance(obj, (tuple, list)):
        for i, item in enumerate(obj):
            yield path, str(i), item
            yield from walk(item, f"{path}.{i}")
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from walk(item, f"{path}.{key}")


def rule_fields(rule: Rule) -> Iterable[tuple[str, Any]]:
    """(field, criterion) for every criterion of a tree, in every source."""
    if rule.check is not None:
        yield rule.check.field, rule.check
    if rule.dated is not None:
        for said in _all_said(rule.dated.history):
            if said.value is not None:
                yield rule.dated.field, said.value
    for child in rule.all or rule.any or ():
        yield from rule_fields(child)


def _all_said(history: History[Any]) -> list[Said[Any]]:
    return ([history.review] if history.review else []) + list(history.label)


def check_patient_dict(fields: dict[str, PatientField], data: dict[str, Any], where: str) -> None:
    """A patient written in a content file (quiz, case) must be one the Patient class accepts."""
    from alledu import validate  # local: validate reads content at call time, not import time

    for key, value in data.items():
        if key not in fields:
            raise ContentError(f"{where}: {key!r} is not a patient field (patient_fields.yaml)")
        try:
            validate.field_value(key, fields[key], value)
        except InvalidInput as exc:
            raise ContentError(f"{where}: {exc}") from None
    missing = [k for k, f in fields.items() if f.required and k not in data]
    if missing:
        raise ContentError(f"{where}: missing required patient fields {missing}")


def cross_check(c: Content) -> None:
    """References between files must resolve: citations, drugs, choices, fields, regimen ids, dates."""
    sources: list[tuple[str, Any]] = [(f"regimens/{rid}.yaml", reg) for rid, reg in c.regimens.items()]
    sources += [
        ("drugs.yaml", c.drugs),
        ("evidence.yaml", c.evidence),
        ("bsa_formulas.yaml", c.bsa),
        ("rounding.yaml", c.rounding),
        ("meta.yaml", c.meta),
        ("lessons.yaml", c.lessons),
        ("quiz.yaml", c.quiz),
    ]
    sources += [(f"scenarios/{s.id}", s) for s in c.scenarios]
    for name, obj in sources:
        for path, key, value in walk(obj):
            if key == "cite":
                for ref in value:
                    if ref not in c.citations:
                        raise ContentError(
                            f"{name}: field {path}.cite: citation key {ref!r} is not defined in citations.yaml"
                        )
            if isinstance(value, Said) and value.since is not None and value.since > c.meta.content_checked:
                raise ContentError(
                    f"{name}: field {path}.{key}: label entry dated {value.since} is after the content-checked "
                    f"date {c.meta.content_checked} (meta.yaml)"
                )
            if isinstance(value, Said) and value.outdates_review and value.since >= c.meta.core_review.date:  # type: ignore[operator]
                raise ContentError(
                    f"{name}: field {path}.{key}: outdates_review on an entry dated {value.since}, not before the "
                    f"review's date {c.meta.core_review.date}: a later change does not make the review out of date"
                )
    if c.bsa.default not in c.bsa.formulas:
        raise ContentError(f"bsa_formulas.yaml: field default: {c.bsa.default!r} is not a formula")
    if c.rounding.default not in c.rounding.policies:
        raise ContentError(f"rounding.yaml: field default: {c.rounding.default!r} is not a policy")
    for rid, reg in c.regimens.items():
        name = f"regimens/{rid}.yaml"
        choices = {ch.name: ch for ch in reg.choices}
        conditions = [p.when for p in reg.cycles] + [m.when for m in reg.max_cycles]
        conditions += [d.when for p in reg.cycles for d in p.doses]
        for when in conditions:
            for key, val in when.items():
                if key not in choices:
                    raise ContentError(f"{name}: field when: {key!r} is not a declared choice")
                if val is not None and val not in choices[key].options:
                    raise ContentError(
                        f"{name}: field when.{key}: {val!r} is not one of {sorted(choices[key].options)}"
                    )
        for field, _criterion in rule_fields(reg.eligibility):
            if field not in c.patient_fields:
                raise ContentError(f"{name}: field eligibility: {field!r} is not a patient field")
    for name, decl in c.patient_fields.items():
        for other, values in (decl.ask_if or {}).items():
            options = c.patient_fields[other].options if other in c.patient_fields else None
            if options is None:
                raise ContentError(f"patient_fields.yaml: field {name}.ask_if: {other!r} is not a choice field")
            for value in values:
                if value not in options:
                    raise ContentError(
                        f"patient_fields.yaml: field {name}.ask_if.{other}: {value!r} is not one of {sorted(options)}"
                    )
    ids = set(c.regimens)
    for q in c.quiz.questions:
        if q.answer and q.answer.dose:
            if q.answer.dose.regimen not in ids:
                raise ContentError(f"quiz.yaml: field {q.id}.answer.dose.regimen: {q.answer.dose.regimen!r} unknown")
            check_patient_dict(c.patient_fields, q.answer.dose.patient, f"quiz.yaml: field {q.id}.answer.dose.patient")
    seen = set()
    for s in c.scenarios:
        where = f"scenarios/{s.id}"
        if s.id in seen:
            raise ContentError(f"{where}: field id: {s.id!r} is used twice")
        seen.add(s.id)
        check_patient_dict(c.patient_fields, s.patient, f"{where}: field patient")
        for i, step in enumerate(s.steps):
            if step.regimen is not None and step.regimen not in ids:
                raise ContentError(f"{where}: field steps.{i}.regimen: {step.regimen!r} is not a regimen id")
