"""Load the YAML content once, validate it, and hand out frozen objects.

Why: content is read through importlib.resources so the package works installed or in
place, and every file is checked at load, including cross-references (citation keys,
choice names, patient fields), so no broken fact reaches a learner.
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

from alledu.errors import ContentError
from alledu.models import (
    BsaFormulas,
    Check,
    Citation,
    EligibilityQuestions,
    Evidence,
    Lessons,
    Limit,
    Meta,
    Regimen,
    Rounding,
    Rule,
)

M = TypeVar("M", bound=BaseModel)


@dataclasses.dataclass(frozen=True)
class Content:
    """Everything in alledu/content/, validated."""

    meta: Meta
    citations: dict[str, Citation]
    limits: dict[str, Limit]
    bsa: BsaFormulas
    rounding: Rounding
    evidence: Evidence
    questions: EligibilityQuestions
    regimens: dict[str, Regimen]
    lessons: Lessons


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


def load_from(root: Traversable) -> Content:
    """Load and cross-check every content file below `root`."""
    meta = parse(Meta, read_yaml(root, "meta.yaml"), "meta.yaml")
    regimens = {}
    for rid in meta.regimens:
        name = f"regimens/{rid}.yaml"
        regimen = parse(Regimen, read_yaml(root, name), name)
        if regimen.id != rid:
            raise ContentError(f"{name}: field id: {regimen.id!r} does not match the file name")
        regimens[rid] = regimen
    content = Content(
        meta=meta,
        citations=parse_mapping(Citation, read_yaml(root, "citations.yaml"), "citations.yaml"),
        limits=parse_mapping(Limit, read_yaml(root, "limits.yaml"), "limits.yaml"),
        bsa=parse(BsaFormulas, read_yaml(root, "bsa_formulas.yaml"), "bsa_formulas.yaml"),
        rounding=parse(Rounding, read_yaml(root, "rounding.yaml"), "rounding.yaml"),
        evidence=parse(Evidence, read_yaml(root, "evidence.yaml"), "evidence.yaml"),
        questions=parse(EligibilityQuestions, read_yaml(root, "eligibility.yaml"), "eligibility.yaml"),
        regimens=regimens,
        lessons=parse(Lessons, read_yaml(root, "lessons.yaml"), "lessons.yaml"),
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
            yield from walk(item, f"{path}.{i}")
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from walk(item, f"{path}.{key}")


def rule_checks(rule: Rule) -> Iterable[Check]:
    if rule.check is not None:
        yield rule.check
        if rule.check.update and rule.check.update.replace_with:
            yield rule.check.update.replace_with
    for child in rule.all or rule.any or ():
        yield from rule_checks(child)


def cross_check(c: Content) -> None:
    """References between files must resolve: citations, choices, patient fields, formulas."""
    from alledu.patient import PATIENT_FIELDS  # local: patient imports this module

    sources: list[tuple[str, Any]] = [(f"regimens/{rid}.yaml", reg) for rid, reg in c.regimens.items()]
    sources += [
        ("evidence.yaml", c.evidence),
        ("bsa_formulas.yaml", c.bsa),
        ("rounding.yaml", c.rounding),
        ("meta.yaml", c.meta),
        ("lessons.yaml", c.lessons),
    ]
    for name, obj in sources:
        for path, key, value in walk(obj):
            if key == "cite":
                for ref in value:
                    if ref not in c.citations:
                        raise ContentError(
                            f"{name}: field {path}.cite: citation key {ref!r} is not defined in citations.yaml"
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
        for check in rule_checks(reg.eligibility):
            if check.field not in PATIENT_FIELDS:
                raise ContentError(f"{name}: field eligibility: {check.field!r} is not a Patient field")
    for q in c.questions.questions:
        if q.field not in PATIENT_FIELDS:
            raise ContentError(f"eligibility.yaml: field questions: {q.field!r} is not a Patient field")
