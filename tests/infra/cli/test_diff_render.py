"""infra/cli/diff_render.py: what a size-limited comment keeps, cuts and says (pure, on the prod golden plan)."""
from __future__ import annotations

import copy
import json

from infra.cli import report
from infra.cli.diff_doc import diff_document
from infra.cli.diff_render import marker, render_markdown
from tests.conftest import ROOT

BASE = json.loads((ROOT / "tests" / "golden" / "prod.json").read_text())


def big_change() -> dict:
    head = copy.deepcopy(BASE)
    head["resources"] = [r for r in head["resources"] if "replicateSourceDb" not in r["inputs"]]
    for res in head["resources"]:
        if res["type"] == "aws:autoscaling/group:Group":
            res["inputs"]["maxSize"] += 10
    for line in head["cost"]["lines"]:
        line["monthly_usd"] = round(line["monthly_usd"] * 1.01 + 1, 2)
    return head


def test_cut_order_keeps_findings_and_says_what_is_left_out():
    head = big_change()
    doc = diff_document(BASE, head)
    plan_md = report.render_markdown(head)
    full = render_markdown(doc, plan_md, max_chars=None)
    cut = render_markdown(doc, plan_md, max_chars=6000)
    assert len(full) > 6000 >= len(cut) and cut.startswith(marker("prod"))
    assert "not shown" not in full and "left out" not in full
    # all 16 replica deletions stay (findings are cut last): 12 local, 4 cross-region in us-west-2 (their
    # source is the primary's ARN); the collapsed plan went first
    assert cut.count("- **mandatory** read replica of prod-db-shard-") == 12
    assert cut.count("- **mandatory** read replica of arn:aws:rds:us-east-1:") == 4
    assert "_Head plan sections left out here (GitHub's comment limit): " in cut
    assert "Capacity per region and tier" in cut.split("_Head plan sections left out here")[1]
    assert "### Updated in place\n\n_… 32 more rows not shown here" in cut


def test_no_change_comment_is_short():
    doc = diff_document(BASE, copy.deepcopy(BASE))
    text = render_markdown(doc, None)
    # nothing changed, but the head plan's warnings (alerts with no subscriber, every shard > 85 % full)
    # are still in the comment: "no mandatory finding" must not hide them
    assert [w[:40] for w in doc["warnings"]] == ["WARNING: prod critical alarms publish to",
                                                 "WARNING: novacron 3 checkScalingNeeded: "]
    assert text == (marker("prod") + "\n## scaling diff: `prod` (base -> head)\n\n- **no mandatory finding**\n"
                    "- monthly cost $36,811.57 -> $36,811.57 ($0.00, 0%) of budget $250,000.00\n"
                    "- resources: 0 added, 0 updated, 0 replaced, 0 deleted; 0 capacity changes; "
                    "0 new / 0 resolved verdicts\n\n### Warnings (head plan)\n\n"
                    + "".join(f"- **warning** {w.removeprefix('WARNING: ')}\n" for w in doc["warnings"]))
