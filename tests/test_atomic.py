"""Atomic writes: all or nothing, umask permissions, no temporary files left behind."""

from __future__ import annotations

import json
import os

import pytest

from autospace.atomic import open_atomic, write_json, write_text


def test_write_replaces_whole_file_with_umask_permissions(tmp_path) -> None:
    path = tmp_path / "f.json"
    write_text(path, "old")
    write_json(path, {"a": 1})
    assert json.loads(path.read_text()) == {"a": 1}
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_failed_write_keeps_the_old_content(tmp_path) -> None:
    path = tmp_path / "f.txt"
    write_text(path, "old")
    with pytest.raises(RuntimeError), open_atomic(path) as fh:
        fh.write(b"half")
        raise RuntimeError("killed")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]
