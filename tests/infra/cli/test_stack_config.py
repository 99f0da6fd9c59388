"""`scaling emergency --apply` records the emergency in the stack file: only that value changes, and
the file keeps what it is (mode, and a symlink stays a symlink)."""
from __future__ import annotations

import os

from infra.cli.stack_config import emergency_section, write_emergency
from tests.conftest import ROOT


def test_a_symlinked_stack_file_stays_a_symlink(tmp_path):
    # Stack files kept in a shared config repo and linked in: the record used to replace the link.
    real = tmp_path / "configs" / "Pulumi.prod.yaml"
    real.parent.mkdir()
    text = (ROOT / "Pulumi.prod.yaml").read_text()
    real.write_text(text)
    os.chmod(real, 0o640)
    link = tmp_path / "Pulumi.prod.yaml"
    link.symlink_to(real)
    write_emergency(link, emergency_section({"mode": "none"}, "up", "api", {}, "2026-12-03T16:00:00Z"))
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == text.replace(
        "emergency: {mode: none}", "emergency: {mode: up, target: api, declared_at: '2026-12-03T16:00:00Z'}")
    assert oct(real.stat().st_mode & 0o777) == "0o640"
    assert sorted(p.name for p in real.parent.iterdir()) == ["Pulumi.prod.yaml"]
