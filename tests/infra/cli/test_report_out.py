"""The report people read (rendered with a CommonMark + GFM-table parser), charts per tier, no absolute
paths, and a `--out` that writes only its own files."""
from __future__ import annotations

import json
import os
import stat

import pytest
from markdown_it import MarkdownIt

from infra.cli import charts, outdir, report
from infra.cli import main as cli
from policies.rules import RULES
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def dev_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("r") / "report"
    assert cli.main(["plan", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out), "--format", "json"]) == 0
    return out


def test_markdown_structure_summary_first_tables_and_collapsed_costs(dev_report):
    text = (dev_report / "plan.md").read_text()
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    assert headings[:4] == ["Summary", "Capacity per region and tier", "Policies", "Cost"]
    assert headings[-1] == "Charts"
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert html.count("<table>") == 9  # summary, capacity, policies, cost top, cost all, scaling, data, shards, nodes
    assert "<details><summary>All " in html
    summary = text.split("## Summary")[1].split("##")[0]
    assert f"| Policies | {len(RULES)} rules evaluated: all passed |" in summary  # every rule of the pack
    assert "| Emergency | none |" in summary
    policies = text.split("## Policies")[1].split("## Cost")[0]
    assert "| asg-min-max | mandatory | pass |  |" in policies and policies.count("| pass |") == len(RULES)


def test_no_absolute_path_in_any_output(dev_report, capsys):
    for name in ("plan.md", "plan.json", "shard_map.json"):
        text = (dev_report / name).read_text()
        assert str(ROOT) not in text and "/work/" not in text, name
    doc = json.loads((dev_report / "plan.json").read_text())
    code = next(r for r in doc["resources"] if r["name"] == "dev-edge-request-router")["inputs"]["code"]
    assert code["assets"]["request_router.py"]["path"] == "edge/lambda_edge/request_router.py"


def test_a_chart_per_region_and_tier_from_zero_with_the_legend_outside(dev_report, monkeypatch, tmp_path):
    from infra.cli.stackplan import load_stack_plan

    assert sorted(p.name for p in (dev_report / "charts").iterdir()) == ["us-east-1-api.png", "us-east-1-worker.png"]
    figures = []
    monkeypatch.setattr(charts.plt, "close", figures.append)
    stack = load_stack_plan("dev", ROOT)
    assert charts.write_region_charts(tmp_path, stack.cfg, stack.plan, None, None) == [
        "charts/us-east-1-api.png", "charts/us-east-1-worker.png"]
    for figure, unit in zip(figures, ("requests/s", "jobs/s")):
        ax = figure.axes[0]
        figure.canvas.draw()
        assert ax.get_ylim()[0] == 0 and ax.get_ylabel() == unit
        legend = ax.get_legend()
        assert legend.get_window_extent().x0 >= ax.get_window_extent().x1  # right of the plotting area
        labels = [t.get_text() for t in legend.get_texts()]
        assert labels[0].startswith("schedule floor (min") and "planned peak demand" in labels
        figure.clf()


def test_out_refuses_a_foreign_file_and_keeps_everything_else(capsys, tmp_path):
    out = tmp_path / "o"
    out.mkdir(mode=0o755)
    (out / "notes.txt").write_text("mine")
    (out / "plan.md").write_text("my own plan.md")
    code = cli.main(["plan", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 2 and err == (f"error: --out {out}: {out / 'plan.md'} exists and was not written by scaling plan; "
                                 "nothing was written: move it away or pass another directory\n")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "plan.md"]
    assert (out / "plan.md").read_text() == "my own plan.md"
    (out / "plan.md").unlink()
    assert cli.main(["plan", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out)]) == 0
    assert cli.main(["plan", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out)]) == 0  # its own: ok
    capsys.readouterr()
    assert (out / "notes.txt").read_text() == "mine" and stat.S_IMODE(out.stat().st_mode) == 0o755
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".scaling-report.json"]


def test_out_into_a_symlinked_dir_and_dot(capsys, tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    assert cli.main(["plan", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(link)]) == 0
    assert link.is_symlink() and (real / "plan.md").exists()
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert cli.main(["plan", "--stack", "dev", "--project-dir", str(ROOT), "--out", "."]) == 0
    capsys.readouterr()
    assert {"plan.md", "plan.json", "shard_map.json", "charts"} <= set(os.listdir(here))


def test_interrupted_write_leaves_no_staging_and_no_half_file(tmp_path):
    out = tmp_path / "o"

    def interrupted(directory):
        (directory / "charts").mkdir()
        (directory / "charts" / "x.png").write_bytes(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        outdir.write_out_dir(out, {"plan.json": "{}"}, extra_writers=[interrupted])
    assert list(out.iterdir()) == []  # nothing renamed in, staging removed
    assert report.write_out_dir(out, {"plan.json": "{}"}) == ["plan.json"]


def test_out_with_a_file_named_charts_writes_nothing(capsys, tmp_path):
    # A file where the report needs its charts/ directory: plan.json, plan.md and shard_map.json used
    # to be renamed in first, then the run stopped saying "nothing was written" (and the next run
    # refused those files as foreign, since no manifest listed them).
    out = tmp_path / "o"
    out.mkdir()
    (out / "charts").write_text("my notes about charts")
    code = cli.main(["plan", "--stack", "dev", "--project-dir", str(ROOT), "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 2 and err == (f"error: --out {out}: {out / 'charts'} exists and was not written by scaling plan; "
                                 "nothing was written: move it away or pass another directory\n")
    assert os.listdir(out) == ["charts"] and (out / "charts").read_text() == "my notes about charts"


def test_a_directory_where_the_manifest_goes_is_refused_before_any_file_is_renamed(tmp_path):
    # Its rename came last, so plan.json and plan.md were in place before the error.
    out = tmp_path / "o"
    (out / outdir.MANIFEST).mkdir(parents=True)
    with pytest.raises(outdir.ForeignFileError) as info:
        outdir.write_out_dir(out, {"plan.json": "{}", "plan.md": "# plan"})
    assert info.value.filename == str(out / outdir.MANIFEST)
    assert os.listdir(out) == [outdir.MANIFEST]
