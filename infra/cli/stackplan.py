"""A stack's plan for the operator commands (`status`, `emergency`): the stack file, the validated
config and the resources the program registers under the SDK mocks, without policies or report.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from infra.cli.crash import interrupt_exits_now
from infra.config import (
    ConfigError,
    PlatformConfig,
    apply_overrides,
    parse_platform,
    read_stack_file,
    stack_name_syntax_problem,
)
from infra.model.capacity import CapacityPlan
from infra.model.recorded import RecordedResource
from infra.offline.runner import run_program
from infra.planning.pipeline import plan_stack


@dataclass(frozen=True)
class StackPlan:
    """One planned stack: where its file is, its config and what the program registers."""

    stack: str
    path: Path
    source: str  # the file as messages name it (+ " (with --set)")
    platform: dict[str, Any]
    other: dict[str, Any]
    cfg: PlatformConfig
    plan: CapacityPlan
    resources: tuple[RecordedResource, ...]

    @property
    def regions(self) -> tuple[str, ...]:
        """The stack's regions, in config order."""
        return tuple(r.name for r in self.cfg.regions)


def stack_path(stack: str, project_dir: str | Path = ".", config_file: str | None = None) -> Path:
    """`--config-file`, else `<project-dir>/Pulumi.<stack>.yaml` for a valid stack name (`--stack ""` or
    `--stack ../x` used to end as "Pulumi..yaml: file not found", never saying what a name may be)."""
    if config_file:
        return Path(config_file)
    problem = stack_name_syntax_problem(stack)
    if problem:
        raise ConfigError("--stack", "stack name", problem)
    return Path(project_dir) / f"Pulumi.{stack}.yaml"


def load_platform(path: Path, overrides: Sequence[str] = ()) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(platform dict with --set applied, other config keys, source) of a stack file; ConfigError on bad input."""
    stack_file = read_stack_file(path)
    source = stack_file.path + (" (with --set)" if overrides else "")
    return apply_overrides(stack_file.platform, list(overrides), stack_file.path), dict(stack_file.other), source


def plan_platform(stack: str, path: Path, platform: dict[str, Any], other: dict[str, Any], source: str,
                  project_dir: str | Path = ".") -> StackPlan:
    """Validate `platform`, plan it (pure) and run the program offline with that plan."""
    cfg = parse_platform(platform, source)
    try:
        plan = plan_stack(cfg, Path(project_dir).resolve())
    except ConfigError as err:  # planner-level checks name the stack file too
        raise ConfigError(source if err.source == "stack config" else err.source, err.key, err.message) from None
    with interrupt_exits_now():  # Ctrl-C inside the SDK's event loop would hang it
        run = run_program(stack, platform, other, skip_outputs=frozenset({"capacity", "shard_map"}), plan=plan)
    return StackPlan(stack, path, source, platform, other, cfg, plan, tuple(run.resources))


def load_stack_plan(stack: str, project_dir: str | Path = ".", config_file: str | None = None,
                    overrides: Sequence[str] = ()) -> StackPlan:
    """Read, validate and plan one stack."""
    path = stack_path(stack, project_dir, config_file)
    platform, other, source = load_platform(path, overrides)
    return plan_platform(stack, path, platform, other, source, project_dir)
