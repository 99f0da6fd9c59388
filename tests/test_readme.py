"""The README keeps its promises: the two first commands, every policy documented."""
from __future__ import annotations

from policies.rules import RULES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_readme_starts_with_the_main_job_and_the_test_command():
    blocks = [b.split("```")[0].strip() for b in README.split("```bash\n")[1:3]]
    assert blocks[0].endswith(".venv/bin/scaling plan --stack prod")
    assert blocks[1].endswith(".venv/bin/python -m pytest -n 2")
    assert ".venv/bin/python -m pytest -n 2" in (ROOT / ".ci" / "run").read_text()


def test_every_policy_is_documented_with_its_config():
    for rule in RULES:
        row = next(line for line in README.splitlines() if line.startswith(f"| `{rule.name}` |"))
        assert rule.enforcement in row
        for key in rule.schema or {}:
            assert f"`{key}`" in row, (rule.name, key)
