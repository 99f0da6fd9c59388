"""Golden plans: the bundled stacks' plan JSON is byte-identical to tests/golden/<stack>.json.

Resource names, type tokens and inputs are what a deployed stack sees; a refactor must not change
them. A change on purpose regenerates the golden file in the same commit
(`scaling plan --stack <stack> --format json > tests/golden/<stack>.json`) and says why.
Absolute paths of this checkout (Lambda@Edge source assets) are compared relative to the repo root.
"""
from __future__ import annotations

import pytest

from infra.cli.main import main
from tests.conftest import ROOT


def normalised(text: str) -> str:
    return text.replace(str(ROOT), "<root>").replace("/work/main", "<root>")


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_plan_matches_golden(stack, capsys):
    code = main(["plan", "--stack", stack, "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    golden = (ROOT / "tests" / "golden" / f"{stack}.json").read_text()
    assert normalised(out.strip()) == normalised(golden.strip()), (
        f"the {stack} plan differs from tests/golden/{stack}.json: if on purpose, regenerate it and say why")
