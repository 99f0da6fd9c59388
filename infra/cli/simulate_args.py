"""`scaling simulate` flags and its input error, without the simulator.

Split from infra/cli/simulate.py so that building the `scaling` parser (every command, `plan`
included) does not import numpy, numba and the minute-level simulator: that import cost about a
second of every `scaling plan` (bench/plan_scale.py). infra/cli/main.py loads infra/cli/simulate.py
only when the command is `simulate`.
"""
from __future__ import annotations

import argparse
from typing import Any


class SimulateInputError(Exception):
    """Bad `scaling simulate` input; `str()` is the one line printed before exiting 2."""


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}; allowed: a number > 0") from None
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} is out of range; allowed: a finite number > 0")
        return value
    return parse


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer; allowed: 0 or more") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; allowed: 0 or more")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `scaling simulate` flags (see the module docstring)."""
    parser.add_argument("--stack", required=True, help="stack name; reads Pulumi.<stack>.yaml")
    parser.add_argument("--config-file", help="another stack file in the same format")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                        help="override a platform config value (VALUE is YAML), repeatable")
    parser.add_argument("--project-dir", default=".", help="where Pulumi.<stack>.yaml lives (default: .)")
    parser.add_argument("--history", required=True, metavar="SOURCE",
                        help="hourly CSV, or cloudwatch:<region>:<ALB dimension>[:<days>]")
    parser.add_argument("--unit", choices=("rps", "requests_per_hour"),
                        help="unit of the history values (default: rps for a CSV, requests_per_hour for CloudWatch)")
    parser.add_argument("--peak-rps", type=_positive(float),
                        help="rescale the history so its busiest hour is this many requests/s")
    parser.add_argument("--backtest", action="store_true",
                        help="rebuild the plans at weekly origins from earlier history only; replay each next week")
    parser.add_argument("--weeks", type=_positive(int), help="backtest: at most this many weekly origins (newest)")
    parser.add_argument("--seed", type=_non_negative_int, default=0, help="seed of the within-hour demand model")
    parser.add_argument("--boot-s", type=_non_negative_int,
                        help="seconds from launch to in service (default: the scale-out policies' warm-up)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--out", help="directory for simulate.json and one chart per group")


