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
    assert tuple(c.regimens) == c.meta.regimens and len(c.regimens) == 8
    yaml_files = {p.relative_to(CONTENT).as_posix() for p in CONTENT.rglob("*.yaml")}
    regimen_files = {f"regimens/{rid}.yaml" for rid in c.regimens}
    assert regimen_files <= yaml_files
    # every regimen file on disk is listed in meta.yaml (none silently ignored)
    assert {p for p in yaml_files if p.startswith("regimens/")} == regimen_files


def test_every_amount_has_value_unit_citation_layer_status() -> None:
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
        assert amount.layer.name in ("core-2021", "update")
        assert amount.status.name in ("current", "withdrawn")


def test_withdrawn_regimen_carries_its_date() -> None:
    reg = content().regimens["vincristine_liposomal"]
    assert reg.status.name == "withdrawn"
    assert reg.status.date.isoformat() == "2022-05-02"
    assert "marqibo_withdrawal" in reg.status.cite
    # and every dose amount inherited the withdrawn status
    amounts = [v for _p, _k, v in walk(reg) if isinstance(v, Amount)]
    assert amounts and all(a.status.name == "withdrawn" for a in amounts)


def test_update_layers_are_dated_or_say_why() -> None:
    reg = content().regimens["inotuzumab"]
    peds = [n for n in reg.notes if n.layer.name == "update"]
    assert [n.layer.date.isoformat() for n in peds] == ["2024-03-06"]


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
    (root / "limits.yaml").write_text("age_years: {min: 0, max: [\n")
    with pytest.raises(ContentError, match=r"limits\.yaml: not valid YAML"):
        load_from(root)


def test_unknown_choice_in_condition_is_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    f = root / "regimens" / "inotuzumab.yaml"
    f.write_text(f.read_text().replace("when: {response: cr}", "when: {respons: cr}", 1))
    with pytest.raises(ContentError, match=r"'respons' is not a declared choice"):
        load_from(root)
