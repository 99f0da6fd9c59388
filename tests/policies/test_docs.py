"""docs/policies.md names every policy, its area module, every config key and every message
template exactly as the registry has them (it is the reviewer's reference)."""
import re
from pathlib import Path

from policies.rules import RULES
from policies.rules.base import message_pattern
from tests.policies.test_config_file import BAD_FILES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "policies.md").read_text()


def _section(name: str) -> str:
    start = DOC.index(f"### `{name}` — ")
    end = DOC.find("\n### ", start + 1)
    return DOC[start:end if end > 0 else len(DOC)]


def test_every_policy_config_key_and_message_is_documented():
    for rule in RULES:
        assert f"### `{rule.name}` — {rule.enforcement}, {rule.kind}" in DOC, rule.name
        section = _section(rule.name)
        for key in rule.schema:
            assert f"`{key}`" in section, (rule.name, key)
        assert rule.messages, rule.name
        for template in rule.messages:
            assert f"`{message_pattern(template)}`" in section, (rule.name, template)


def test_the_area_table_names_each_policys_module():
    for rule in RULES:
        area = rule.check.__module__.rsplit(".", 1)[-1]
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{area}.py` |"))
        assert f"`{rule.name}`" in row, (rule.name, area)


def test_the_error_examples_are_real_lines():
    block = DOC.split("## Policy config files", 1)[1].split("```")[1]
    examples = [line for line in block.splitlines() if line.startswith("error: ")]
    assert len(examples) == 4
    real = {f"error: policies/config/prod.json: {key}: {message}" for _, key, message in BAD_FILES}
    for line in examples:
        # the unknown-policy example abbreviates the list of policy names
        pattern = re.escape(line).replace("…", ".*")
        assert any(re.fullmatch(pattern, r) for r in real), line


def test_the_readme_error_example_is_a_real_line():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = re.search(r"`(error: policies/config/prod\.json: [^`]+)`", readme).group(1)
    assert example in {f"error: policies/config/prod.json: {key}: {message}" for _, key, message in BAD_FILES}
