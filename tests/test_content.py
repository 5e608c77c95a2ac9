"""Content files load, cross-reference and fail loudly when broken."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from alledu.content_loader import content, load_from, walk
from alledu.errors import ContentError
from alledu.models import Amount

CONTENT = Path(str(resources.files("alledu").joinpath("content")))


def test_every_content_file_loads() -> None:
    c = content()
    assert tuple(c.regimens) == c.meta.regimens and len(set(c.meta.regimens)) == len(c.meta.regimens)
    yaml_files = {p.relative_to(CONTENT).as_posix() for p in CONTENT.rglob("*.yaml")}
    regimen_files = {f"regimens/{rid}.yaml" for rid in c.regimens}
    assert regimen_files <= yaml_files
    # every regimen file on disk is listed in meta.yaml (none silently ignored)
    assert {p for p in yaml_files if p.startswith("regimens/")} == regimen_files


def test_every_amount_has_value_unit_citation() -> None:
    c = content()
    amounts = [
        (rid, path, value)
        for rid, reg in c.regimens.items()
        for path, _key, value in walk(reg)
        if isinstance(value, Amount)
    ]
    assert len(amounts) > 30
    for rid, path, amount in amounts:
        assert amount.unit, (rid, path)
        assert amount.cite, (rid, path)
        assert all(key in c.citations for key in amount.cite), (rid, path, amount.cite)


def test_withdrawn_regimen_carries_its_date() -> None:
    reg = content().regimens["vincristine_liposomal"]
    assert reg.status.value("review") == "available"
    w = reg.withdrawn("label")
    assert w is not None and w.since.isoformat() == "2022-05-02"
    assert "marqibo_withdrawal" in w.cite
    assert reg.withdrawn("review") is None


def test_label_histories_match_the_facts_file() -> None:
    regs = content().regimens
    blin = regs["blinatumomab_rr"]
    dates = ["2014-12-03", "2016-09", "2017-07-11", "by 2023-06", "2024-06-14"]
    assert [s.when() for s in blin.indication.label] == dates
    assert [s.outdates_review for s in blin.indication.label] == [False, False, True, False, False]
    assert "Ph-positive included" in blin.indication.label[2].value
    assert "Ph-negative" in blin.indication.review.value
    ino = regs["inotuzumab"]
    assert [s.when() for s in ino.indication.label] == ["2017-08-17", "2024-03-06"]
    assert "from 1 year" in ino.indication.label[-1].value and "CD22-positive" in ino.indication.label[-1].value
    mrd = regs["blinatumomab_mrd"]
    # accelerated 2018-03-29 (no CD19 in the wording), full 2023-06 (CD19-positive), one month and older 2024-06-14
    assert [s.when() for s in mrd.indication.label] == ["2018-03-29", "2023-06", "2024-06-14"]
    assert "accelerated approval" in mrd.indication.review.value
    assert "CD19" not in mrd.indication.label[0].value and "CD19-positive" in mrd.indication.label[1].value
    assert not any(s.outdates_review for s in mrd.indication.label)
    assert [n.when() for n in mrd.dated_notes] == ["2024-06-14"]
    assert regs["clofarabine_adult"].indication.said("label") is None  # off-label: the label says nothing
    assert content().meta.core_review.date.isoformat() == "2021-07-02"


def test_safety_notes_and_new_citations_defined() -> None:
    c = content()
    assert {"hopa2018", "asco2021", "boyd1935"} <= set(c.citations)
    assert "University of Minnesota Press, 1935" in c.citations["boyd1935"].text
    assert c.rounding.tolerance_percent.cite == ("hopa2018",)
    assert c.rounding.obese_dosing.cite == ("asco2021",)
    assert any("Boxed warning" in n.text for n in c.regimens["nelarabine_adult"].safety)
    assert any("Boxed warning" in n.text for n in c.regimens["nelarabine_pediatric"].safety)


def test_drug_facts_written_once() -> None:
    c = content()
    assert c.regimens["nelarabine_adult"].mechanism == c.regimens["nelarabine_pediatric"].mechanism
    assert c.regimens["vincristine_liposomal"].aliases == ("Marqibo", "VSLI")
    raw = "\n".join(p.read_text() for p in (CONTENT / "regimens").glob("*.yaml"))
    assert "mechanism:" not in raw and "aliases:" not in raw


def test_aliases_name_the_brands() -> None:
    regs = content().regimens
    assert "Blincyto" in regs["blinatumomab_rr"].aliases
    assert "Besponsa" in regs["inotuzumab"].aliases
    assert "Marqibo" in regs["vincristine_liposomal"].aliases


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def test_broken_value_names_file_field_and_value(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    f = root / "regimens" / "clofarabine_pediatric.yaml"
    f.write_text(f.read_text().replace("{value: 52, unit: mg/m2/day}", "{value: fifty-two, unit: mg/m2/day}"))
    with pytest.raises(ContentError) as err:
        load_from(root)
    msg = str(err.value)
    assert "regimens/clofarabine_pediatric.yaml" in msg
    assert "cycles.0.doses.0.per_m2.value" in msg
    assert "'fifty-two'" in msg


def test_undefined_citation_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    f = root / "regimens" / "inotuzumab.yaml"
    f.write_text(f.read_text().replace("cite: [review2021, besponsa]", "cite: [review2021, nosuchpaper]", 1))
    with pytest.raises(ContentError, match=r"inotuzumab\.yaml.*'nosuchpaper' is not defined"):
        load_from(root)


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    f = root / "regimens" / "nelarabine_adult.yaml"
    f.write_text(f.read_text().replace("route:", "rout:"))
    with pytest.raises(ContentError, match=r"nelarabine_adult\.yaml: .*field rout"):
        load_from(root)


def test_yaml_syntax_error_names_file(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "limits.yaml").write_text("bsa_m2: {min: 0, max: [\n")
    with pytest.raises(ContentError, match=r"limits\.yaml: not valid YAML"):
        load_from(root)


def test_unknown_choice_in_condition_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    f = root / "regimens" / "inotuzumab.yaml"
    f.write_text(f.read_text().replace("when: {response: cr}", "when: {respons: cr}", 1))
    with pytest.raises(ContentError, match=r"'respons' is not a declared choice"):
        load_from(root)


def test_regimen_cannot_restate_drug_facts(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    f = root / "regimens" / "nelarabine_adult.yaml"
    f.write_text(f.read_text().replace("drug: nelarabine\n", "drug: nelarabine\nmechanism: x\n"))
    with pytest.raises(ContentError, match=r"nelarabine_adult\.yaml: field mechanism: belongs in drugs\.yaml"):
        load_from(root)


def test_undated_label_entry_needs_a_note(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    f = root / "regimens" / "clofarabine_pediatric.yaml"
    text = f.read_text().replace("date_note: the date of this wording is not verified here", "")
    f.write_text(text)
    with pytest.raises(ContentError, match=r"clofarabine_pediatric\.yaml: .*undated label entry needs a date_note"):
        load_from(root)


def test_label_entries_oldest_first_and_not_in_the_future(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    f = root / "regimens" / "inotuzumab.yaml"
    f.write_text(f.read_text().replace("since: 2017-08-17, value: Adults", "since: 2025-08-17, value: Adults"))
    with pytest.raises(ContentError, match=r"inotuzumab\.yaml: .*oldest first"):
        load_from(root)
    root = _copy(tmp_path / "b")
    f = root / "regimens" / "inotuzumab.yaml"
    f.write_text(f.read_text().replace("since: 2024-03-06, value: {op", "since: 2027-03-06, value: {op"))
    with pytest.raises(ContentError, match=r"inotuzumab\.yaml: .*2027-03-06 is after the content-checked date"):
        load_from(root)


def test_numeric_patient_field_without_limits_fails(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    f = root / "patient_fields.yaml"
    f.write_text(f.read_text().replace("  min: 0\n  max: 10\n  flag: --albumin", "  flag: --albumin"))
    with pytest.raises(ContentError, match=r"patient_fields\.yaml \[albumin_g_dl\]: .*needs min, max and unit"):
        load_from(root)


@pytest.mark.parametrize(
    ("file", "old", "new", "needle"),
    [
        ("quiz.yaml", "regimen: clofarabine_pediatric", "regimen: clofarabine", r"quiz\.yaml: .*'clofarabine' unknown"),
        (
            "quiz.yaml",
            "cite: [tavernier2007]",
            "cite: [tavernier2070]",
            r"quiz\.yaml: .*'tavernier2070' is not defined",
        ),
        ("quiz.yaml", "age_years: 40, height_cm: 170", "age_yrs: 40, height_cm: 170", r"quiz\.yaml: .*'age_yrs'"),
        ("quiz.yaml", "age_years: 40, height_cm: 170", "age_years: 400, height_cm: 170", r"age_years: 400"),
        (
            "scenarios/02_child_t_all_second_relapse.yaml",
            "regimen: nelarabine_pediatric",
            "regimen: nelarabine_child",
            r"scenarios/child_t_all_second_relapse: field steps\.2\.regimen: 'nelarabine_child'",
        ),
        (
            "scenarios/03_mrd_positive_cr1.yaml",
            "mrd_percent: 0.5",
            "mrd_percent: 150",
            r"scenarios/mrd_positive_cr1: field patient: .*mrd_percent: 150",
        ),
    ],
)
def test_quiz_and_scenarios_validated_at_load(tmp_path: Path, file: str, old: str, new: str, needle: str) -> None:
    root = _copy(tmp_path)
    f = root / file
    assert old in f.read_text()
    f.write_text(f.read_text().replace(old, new, 1))
    with pytest.raises(ContentError, match=needle):
        load_from(root)


def test_no_dead_content_fields() -> None:
    """Every field of the content models is read by the code (shown somewhere or used), none left dead."""
    import inspect
    import re

    from pydantic import BaseModel

    import alledu.models as models

    pkg = CONTENT.parent
    code = "\n".join(p.read_text() for p in pkg.rglob("*.py") if p.name != "models.py")
    # read through an alias or by the tests only (expected answers are the cases' regression data)
    allowed = {("Said", "month_only"), ("Said", "at_latest"), ("SizeRule", "weight_kg_above"), ("Scenario", "expected")}
    dead = [
        f"{name}.{field}"
        for name, cls in inspect.getmembers(models, inspect.isclass)
        if issubclass(cls, BaseModel) and cls.__module__ == models.__name__
        for field in cls.model_fields
        if (name, field) not in allowed and not re.search(rf"\.{field}\b|\"{field}\"|\b{field}=", code)
    ]
    assert dead == []
