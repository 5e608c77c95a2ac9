"""The seam for upstream internals (issue 23, item 2): every borrowed private name is checked when
serving starts, and a missing one stops `alledu serve` naming it, its package and version, and the
alledu file to re-check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alledu.serve import compat

ROOT = Path(__file__).resolve().parent.parent


def test_every_borrowed_name_is_there_in_the_pinned_versions() -> None:
    assert compat.missing() == []
    compat.require()


def test_a_removed_name_stops_serve_with_the_name_the_version_and_the_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tornado.web

    from alledu.cli import main

    monkeypatch.delattr(tornado.web.GZipContentEncoding, "_compressible_type")
    gone = compat.missing()
    assert len(gone) == 1 and re.fullmatch(
        r"tornado\.web\.GZipContentEncoding\._compressible_type \(tornado \d+\.\d+[.\d]*\): "
        r"used by alledu/serve/compression\.py",
        gone[0],
    ), gone
    with pytest.raises(compat.UpstreamChanged, match="_compressible_type"):
        compat.require()

    def never(*args, **kwargs):
        raise AssertionError("Voila started although an upstream name is gone")

    monkeypatch.setattr("alledu.serve.run_voila", never)
    assert main(["serve", "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "these names are gone" in err and "GZipContentEncoding._compressible_type" in err


def test_a_name_set_inside_upstream_code_is_checked_in_its_source(monkeypatch: pytest.MonkeyPatch) -> None:
    import inspect

    real = inspect.getsource
    monkeypatch.setattr(
        compat.inspect,
        "getsource",
        lambda obj: real(obj).replace("_pools", "_renamed") if "voila" in str(obj) else real(obj),
    )
    assert any(g.startswith("voila.voila_kernel_manager._pools (voila ") for g in compat.missing())


def test_each_file_named_in_the_table_exists_and_uses_the_name() -> None:
    for b in compat.BORROWED:
        short = b.name.rsplit(".", 1)[-1]
        files = [f.strip() for f in b.used_in.split(",")]
        first = ROOT / files[0]
        assert first.is_file(), b
        found = [
            name for name in files if short in (ROOT / (name if "/" in name else f"alledu/serve/{name}")).read_text()
        ]
        assert found, (b, files)
