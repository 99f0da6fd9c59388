"""Build ONE component from hand-made args under the Pulumi SDK mocks and record what it registers.

The whole-program tests (tests/components/test_*.py using `run_stack`) see a component through the
planner and the program; the `*_alone` tests use this harness instead, so a component's inputs are
pinned by the test itself (a frozen `XArgs` and plan dataclasses from infra.model built by hand).

What `build_alone` records, besides the registrations (infra/offline/runner.py RecordingMonitor):
- the outputs each component sent with `register_outputs`, as the engine received them;
- a Python-level trace, in program order, of every resource constructed (with the number of
  `.apply()` callbacks running at that moment) and every `register_outputs` call. Registrations
  reach the monitor from SDK executor threads in no fixed order, so "register_outputs last" and
  "nothing created inside .apply()" can only be checked on this synchronous trace.

`check_conventions` asserts DESIGN.md "Components" on one build: type token
`scaling-platform:<module>:<Class>`, every other registration a child `f"{name}-<role>"` parented to
the component, no resource created inside `.apply()`, `register_outputs` once, last and non-empty.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.naming import Naming
from infra.config import PROJECT
from infra.model.recorded import RecordedResource
from infra.offline.runner import PlanMocks, RecordingMonitor, _mask

PROVIDER_PREFIX = "pulumi:providers:"


@dataclass
class TraceEvent:
    """One synchronous step of the program: a resource constructed, or a component's register_outputs."""

    kind: str  # "resource" | "outputs"
    name: str
    type: str
    in_apply: int = 0  # .apply() callbacks running when the resource was constructed
    parent: Any = None  # the Resource object given as parent (None: the stack)
    outputs: dict[str, Any] | None = None


@dataclass
class Trace:
    """Every resource construction and register_outputs call, in the order the program made them."""

    events: list[TraceEvent] = field(default_factory=list)
    apply_depth: int = 0


class _OutputsMonitor(RecordingMonitor):
    """RecordingMonitor that also keeps each component's registered outputs (by URN)."""

    def __init__(self, mocks: pulumi.runtime.Mocks):
        super().__init__(mocks)
        self.outputs: dict[str, dict[str, Any]] = {}

    def RegisterResourceOutputs(self, request):  # noqa: N802 (gRPC method name)
        """Record the outputs a component registered, masked as the plan shows them."""
        self.outputs[request.urn] = _mask(json_format.MessageToDict(request.outputs)) if request.outputs else {}
        return super().RegisterResourceOutputs(request)


@contextlib.contextmanager
def _traced(trace: Trace) -> Iterator[None]:
    """Patch Resource.__init__, Output.apply and ComponentResource.register_outputs to log into `trace`."""
    resource_init = pulumi.Resource.__init__
    apply = pulumi.Output.apply
    register_outputs = pulumi.ComponentResource.register_outputs

    def traced_init(self, t, name, *args, **kwargs):
        opts = kwargs.get("opts")
        if opts is None and len(args) >= 3:  # Resource(t, name, custom, props, opts, ...)
            opts = args[2]
        trace.events.append(TraceEvent("resource", name, t, trace.apply_depth,
                                       getattr(opts, "parent", None)))
        resource_init(self, t, name, *args, **kwargs)

    def traced_apply(self, func, run_with_unknowns=False):
        def wrapped(value):
            trace.apply_depth += 1
            try:
                return func(value)
            finally:
                trace.apply_depth -= 1
        return apply(self, wrapped, run_with_unknowns)

    def traced_register_outputs(self, outputs):
        trace.events.append(TraceEvent("outputs", self._name, self._type, outputs=dict(outputs or {})))
        return register_outputs(self, outputs)

    pulumi.Resource.__init__ = traced_init
    pulumi.Output.apply = traced_apply
    pulumi.ComponentResource.register_outputs = traced_register_outputs
    try:
        yield
    finally:
        pulumi.Resource.__init__ = resource_init
        pulumi.Output.apply = apply
        pulumi.ComponentResource.register_outputs = register_outputs


@dataclass
class Built:
    """One component built alone: the object, every registration, its registered outputs and the trace."""

    component: pulumi.ComponentResource
    name: str
    resources: tuple[RecordedResource, ...]
    outputs: dict[str, Any]  # what the component's register_outputs sent, resolved (unknowns "[unknown]")
    trace: Trace

    @property
    def record(self) -> RecordedResource:
        """The component's own registration."""
        return self.named(self.name)

    @property
    def children(self) -> dict[str, RecordedResource]:
        """Registrations parented to the component, by logical name."""
        return {r.name: r for r in self.resources if r.parent == self.name}

    def named(self, name: str) -> RecordedResource:
        """The registration with this logical name (exactly one)."""
        (match,) = [r for r in self.resources if r.name == name]
        return match

    def of_type(self, type_token: str) -> list[RecordedResource]:
        """Registrations of one type token, sorted by name."""
        return [r for r in self.resources if r.type == type_token]

    def roles(self) -> dict[str, str]:
        """`<role>` -> type token of every child `f"{name}-<role>"`."""
        prefix = f"{self.name}-"
        return {r.name[len(prefix):]: r.type for r in self.children.values()}


def build_alone(factory: Callable[[], pulumi.ComponentResource], stack: str = "test",
                preview: bool = True) -> Built:
    """Run `factory` (which constructs one component, plus any provider it needs) under fresh mocks.

    Waits for every registration as `@pulumi.runtime.test` does (run_pulumi_func waits for the
    outstanding RPCs). `preview=True` matches `scaling plan`; the mocks echo every input, so values
    read back from a sibling resolve and `.apply()` callbacks on them run (and are traced).
    """
    mocks = PlanMocks(echo_all=True)
    monitor = _OutputsMonitor(mocks)
    pulumi.runtime.set_all_config({}, [])
    pulumi_settings.ROOT.set(None)
    pulumi_settings.SETTINGS.rpc_manager.clear()
    pulumi_settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)
    trace = Trace()
    made: list[pulumi.ComponentResource] = []
    with _traced(trace):
        _sync_await(run_pulumi_func(lambda: made.append(factory())))
    (component,) = made
    name = component._name
    ordered = tuple(sorted(monitor.recorded, key=lambda r: (r.name, r.type)))
    (urn,) = [r.urn for r in ordered if r.name == name and not r.custom]
    return Built(component=component, name=name, resources=ordered, outputs=monitor.outputs.get(urn, {}),
                 trace=trace)


def check_conventions(built: Built, module: str, cls: str) -> None:
    """DESIGN.md "Components" on one build (see the module docstring)."""
    assert built.record.type == f"scaling-platform:{module}:{cls}"
    assert built.record.custom is False and built.record.parent is None
    strays = [r.name for r in built.resources
              if r.name != built.name and r.parent != built.name and not r.type.startswith(PROVIDER_PREFIX)]
    assert strays == [], f"not parented to {built.name}: {strays}"
    assert built.children, "a component with no children"
    bad_names = [n for n in built.children if not n.startswith(f"{built.name}-")]
    assert bad_names == [], f"children not named {built.name}-<role>: {bad_names}"
    in_apply = [e.name for e in built.trace.events if e.kind == "resource" and e.in_apply]
    assert in_apply == [], f"created inside .apply(): {in_apply}"
    mine = [i for i, e in enumerate(built.trace.events) if e.kind == "outputs" and e.name == built.name]
    assert len(mine) == 1, f"register_outputs called {len(mine)} times"
    (at,) = mine
    late = [e.name for e in built.trace.events[at + 1:] if e.kind == "resource"]
    assert late == [], f"created after register_outputs: {late}"
    assert built.trace.events[at].outputs, "register_outputs({}) is empty"
    assert built.outputs and set(built.outputs) == set(built.trace.events[at].outputs)


# The stack identity every `*_alone` test builds with (environment "prod": the strict branch of each component).
NAMING_PROD = Naming(stack="test", environment="prod", owner="platform-team", cost_center="cc-test")
NAMING_DEV = Naming(stack="test", environment="dev", owner="platform-team", cost_center="cc-test")


def tags(naming: Naming, role: str, **extra: str) -> dict[str, str]:
    """The tags a child should carry, spelled out (not via Naming.tags, which the component itself uses)."""
    return {"environment": naming.environment, "owner": naming.owner, "cost-center": naming.cost_center,
            "managed-by": "pulumi", "project": "scaling-platform", "stack": naming.stack, "role": role, **extra}
