"""docs/policies.md names every policy and every config key (it is the reviewer's reference)."""
from pathlib import Path

from policies.rules import RULES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "policies.md").read_text()


def test_every_policy_and_config_key_is_documented():
    for rule in RULES:
        assert f"### `{rule.name}` — {rule.enforcement}" in DOC, rule.name
        for key in rule.schema:
            assert f"`{key}`" in DOC, (rule.name, key)
