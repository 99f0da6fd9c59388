"""`scaling diff`: what a change does to cost, capacity, existing resources and policy verdicts.

    scaling diff --base OLD.json --head NEW.json [--format table|json|markdown]
                 [--fail-on-cost-increase PCT] [--fail-on-cost-increase-usd N] [--out DIR]
    scaling diff --base-ref origin/main --stack prod [--set K=V ...] [--head NEW.json] ...

`--base`/`--head` are `scaling plan --format json` outputs. `--base-ref REF` builds the base plan
from a git ref of this repository in a temporary worktree (infra/cli/diff_git.py); without `--head`
the head plan is built from the working tree; both with `--stack` and the same `--set` flags.
With `--stack`, the stack's `review:` settings (infra/config/review.py) are the guardrail defaults;
the flags override them. Exit codes: 0 no mandatory finding, 1 a mandatory finding or a breached
guardrail, 2 bad input (one line), 130 interrupted.

The document is built by infra/cli/diff_doc.py and rendered by infra/cli/diff_render.py; markdown
fits one GitHub comment, `--out DIR` writes the untruncated diff.md and diff.json.
"""
from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from infra.cli import outdir, report
from infra.cli.diff_doc import Guardrails, diff_document, exit_code
from infra.cli.diff_git import plan_from_ref
from infra.cli.diff_render import DEFAULT_MAX_CHARS, render_markdown, render_table
from infra.cli.plan_checks import load_plan
from infra.cli.stackplan import stack_path
from infra.config import ConfigError, apply_overrides, parse_platform, read_stack_file

# (plan argv after `plan`) -> (text, exit code): `scaling plan` run in-process, handed over by main.py
PlanRunner = Callable[[Sequence[str]], tuple[str, int]]


def add_parser(sub: Any) -> None:
    """Register `scaling diff` on the `scaling` subparsers."""
    diff = sub.add_parser("diff", help="compare two plans: cost delta, capacity, replacements, verdicts")
    base = diff.add_mutually_exclusive_group(required=True)
    base.add_argument("--base", help="the earlier plan (scaling plan --format json)")
    base.add_argument("--base-ref", help="git ref to build the base plan from (needs --stack)")
    diff.add_argument("--head", help="the new plan; default: built from the working tree (needs --stack)")
    diff.add_argument("--stack", help="stack to build plans for; its review: settings are the guardrail defaults")
    diff.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                      help="platform config override for both builds (VALUE is YAML), repeatable")
    diff.add_argument("--project-dir", default=".", help="where Pulumi.<stack>.yaml lives (default: .)")
    diff.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    diff.add_argument("--fail-on-cost-increase", dest="max_pct", metavar="PCT",
                      help="exit 1 when the monthly cost grows by more than PCT percent")
    diff.add_argument("--fail-on-cost-increase-usd", dest="max_usd", metavar="N",
                      help="exit 1 when the monthly cost grows by more than N dollars")
    diff.add_argument("--out", help="directory for the full report (diff.md, diff.json), written atomically")
    diff.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS,
                      help=f"markdown size limit (default {DEFAULT_MAX_CHARS}; GitHub's comment limit is 65536)")


def _limit(flag: str, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise ConfigError(flag, repr(value), "must be a number >= 0")
    return number


def guardrails(args: argparse.Namespace) -> Guardrails:
    """Flags first, then the stack's `review:` defaults (only with --stack)."""
    pct, usd = _limit("--fail-on-cost-increase", args.max_pct), _limit("--fail-on-cost-increase-usd", args.max_usd)
    source = "flags"
    if args.stack and (pct is None or usd is None):
        stack_file = read_stack_file(stack_path(args.stack, args.project_dir))
        platform = apply_overrides(stack_file.platform, args.overrides, stack_file.path)
        review = parse_platform(platform, stack_file.path).review
        if pct is None and review.fail_on_cost_increase_pct is not None:
            pct, source = review.fail_on_cost_increase_pct, f"{stack_file.path} review"
        if usd is None and review.fail_on_cost_increase_usd is not None:
            usd, source = review.fail_on_cost_increase_usd, f"{stack_file.path} review"
    return Guardrails(pct, usd, source)


def _plan_argv(args: argparse.Namespace) -> list[str]:
    argv = ["--stack", args.stack]
    for override in args.overrides:
        argv += ["--set", override]
    return argv


def _needs_stack(args: argparse.Namespace) -> None:
    if not args.stack and (args.base_ref or not args.head):
        what = "--base-ref" if args.base_ref else "building the head plan (no --head)"
        raise ConfigError("scaling diff", "--stack", f"{what} needs --stack NAME; or pass --base and --head files")


def write_full_report(out: str, doc: dict[str, Any], markdown: str) -> None:
    """`--out DIR`: diff.json and the untruncated diff.md (the workflow uploads them as an artifact).
    Written like `scaling plan --out` (infra/cli/outdir.py): a diff.md or diff.json that this command did
    not write is never replaced, both files or neither, nothing else in DIR touched."""
    files = {"diff.json": json.dumps(doc, indent=1, default=str) + "\n", "diff.md": markdown}
    try:
        outdir.write_out_dir(out, files)
    except FileExistsError as err:  # outdir.ForeignFileError: someone else's file of the same name
        raise ConfigError(f"--out {out}", "(directory)", f"{err.filename} exists and was not written by scaling; "
                          "nothing was written: move it away or pass another directory") from None
    except OSError as err:
        raise ConfigError(f"--out {out}", "(directory)", f"cannot write the report: {err.strerror or err}; "
                          "pass a directory path whose parent is a writable directory") from None


def _plan_markdown(head: dict[str, Any]) -> str | None:
    """The head plan's own report for the comment's collapsed sections; None if the file lacks parts."""
    try:
        return report.render_markdown(head)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def run_diff(args: argparse.Namespace, run_plan: PlanRunner) -> tuple[str, int]:
    """Everything `scaling diff` does; returns (text to print, exit code)."""
    _needs_stack(args)
    if args.max_chars < 1000:
        raise ConfigError("--max-chars", str(args.max_chars), "must be at least 1000")
    rails = guardrails(args)  # bad flags or stack config fail before any plan is built
    head = load_plan(args.head, "--head") if args.head else None
    base = load_plan(args.base, "--base") if args.base else None
    if head is None:
        text, code = run_plan(_plan_argv(args) + ["--project-dir", args.project_dir, "--format", "json"])
        head = json.loads(text)
    if base is None:
        base = plan_from_ref(args.base_ref, args.project_dir, _plan_argv(args))
    labels = (args.base_ref or Path(args.base).name, Path(args.head).name if args.head else "working tree")
    doc = diff_document(base, head, rails, labels)
    code = exit_code(doc)
    plan_md = _plan_markdown(head)
    if args.out:
        write_full_report(args.out, doc, render_markdown(doc, plan_md, max_chars=None))
    if args.format == "json":
        return json.dumps(doc, indent=1, default=str), code
    if args.format == "markdown":
        return render_markdown(doc, plan_md, max_chars=args.max_chars), code
    return render_table(doc), code
