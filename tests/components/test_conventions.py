"""DESIGN.md "Components", checked on every module in components/ and on the harness that checks builds.

Static (read from the source, so a new component is held to it before anyone writes its test):
- a ComponentResource subclass has `__init__(self, name, args, opts=None)`, `args` annotated with a
  frozen dataclass of its module, and starts with `super().__init__("scaling-platform:<module>:<Class>",
  name, None, opts)`;
- `self.register_outputs(...)` is the last statement of `__init__`, called once, with a non-empty dict;
- no `.apply()` callback constructs a resource (no SDK resource class, no pulumi.*Resource);
- every component has a `*_alone` test in tests/components/test_<module>.py (tests/components/alone.py).

The harness's own checks (tests/components/alone.py `check_conventions`) are shown to catch each
violation on deliberately broken components, so a passing `*_alone` test means something.
"""
from __future__ import annotations

import ast
import builtins
import dataclasses
import importlib
import inspect
import re
import typing

import pulumi
import pulumi_aws as aws
import pytest

from tests.components.alone import build_alone, check_conventions
from tests.conftest import ROOT

COMPONENTS_DIR = ROOT / "components"
SDK_MODULES = {"pulumi_aws", "pulumi_kubernetes", "pulumi_cloudflare"}
PULUMI_RESOURCE_BASES = {"Resource", "CustomResource", "ComponentResource", "ProviderResource"}
# The components issue 13 lists; a new component joins this list together with its `*_alone` test.
EXPECTED = {
    ("cache", "Cache"), ("cloudflare", "CloudflareEdge"), ("database", "DataRegion"), ("drain", "WorkerDrain"),
    ("db_endpoints", "WriterEndpoints"), ("edge", "CdnDns"),
    ("edge", "Edge"), ("identity", "InstanceIdentity"), ("k8s", "K8sWorkloads"), ("monitoring", "RegionMonitoring"),
    ("region", "Region"),
    ("scaling_triggers", "ScalingTriggers"), ("schedule", "CapacitySchedule"), ("service_tier", "ServiceTier"),
    ("shards", "ShardSet"), ("traffic", "TrafficRouting"),
}


def _is_component(node: ast.ClassDef) -> bool:
    return any(isinstance(b, ast.Attribute) and b.attr == "ComponentResource" for b in node.bases)


def component_classes(source: str) -> list[ast.ClassDef]:
    """The ComponentResource subclasses defined at the top level of a module's source."""
    return [n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and _is_component(n)]


def discovered() -> set[tuple[str, str]]:
    """(module, Class) of every component in components/."""
    return {(path.stem, cls.name) for path in sorted(COMPONENTS_DIR.glob("*.py"))
            for cls in component_classes(path.read_text(encoding="utf-8"))}


def _init(cls: ast.ClassDef) -> ast.FunctionDef:
    (init,) = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
    return init


def _is_self_call(node: ast.AST, attr: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attr
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "self")


def signature_problems(module: str, cls: ast.ClassDef) -> list[str]:
    """Where `__init__` departs from `(self, name, args, opts=None)` + the super().__init__ token call."""
    init = _init(cls)
    a = init.args
    problems = []
    if [p.arg for p in a.args] != ["self", "name", "args", "opts"] or a.vararg or a.kwarg or a.kwonlyargs \
            or a.posonlyargs or len(a.defaults) != 1 or not (isinstance(a.defaults[0], ast.Constant)
                                                              and a.defaults[0].value is None):
        problems.append(f"{cls.name}.__init__ is not (self, name, args, opts=None)")
    first = init.body[0] if init.body else None
    call = first.value if isinstance(first, ast.Expr) else None
    token = f"scaling-platform:{module}:{cls.name}"
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "__init__"
            and isinstance(call.func.value, ast.Call) and getattr(call.func.value.func, "id", None) == "super"):
        problems.append(f"{cls.name}.__init__ does not start with super().__init__(...)")
    elif [ast.unparse(x) for x in call.args] != [repr(token), "name", "None", "opts"] or call.keywords:
        problems.append(f"{cls.name}: super().__init__({', '.join(ast.unparse(x) for x in call.args)}) is not "
                        f"super().__init__({token!r}, name, None, opts)")
    return problems


def outputs_problems(cls: ast.ClassDef) -> list[str]:
    """Where register_outputs is not called exactly once, last in `__init__`, with a non-empty dict."""
    calls = [n for n in ast.walk(cls) if _is_self_call(n, "register_outputs")]
    init = _init(cls)
    last = init.body[-1]
    problems = []
    if len(calls) != 1:
        problems.append(f"{cls.name}: register_outputs called {len(calls)} times")
    if not (isinstance(last, ast.Expr) and _is_self_call(last.value, "register_outputs")):
        problems.append(f"{cls.name}: the last statement of __init__ is not self.register_outputs(...)")
        return problems
    (arg,) = last.value.args
    if isinstance(arg, ast.Name):  # a dict built up in __init__: its first assignment must be non-empty
        assigned = [n.value for n in ast.walk(init) if isinstance(n, (ast.Assign, ast.AnnAssign))
                    and any(isinstance(t, ast.Name) and t.id == arg.id
                            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
        arg = assigned[0] if assigned else arg
    if not (isinstance(arg, ast.Dict) and arg.keys):
        problems.append(f"{cls.name}: register_outputs({ast.unparse(arg)}) is not a non-empty dict")
    return problems


def _sdk_aliases(tree: ast.Module) -> set[str]:
    aliases = {"pulumi"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name in SDK_MODULES}
        elif isinstance(node, ast.ImportFrom) and node.module in SDK_MODULES:
            aliases |= {a.asname or a.name for a in node.names}
    return aliases


def _constructs_resource(body: ast.AST, sdk: set[str]) -> list[str]:
    found = []
    for node in ast.walk(body):
        if not isinstance(node, ast.Call):
            continue
        chain, func = [], node.func
        while isinstance(func, ast.Attribute):
            chain.insert(0, func.attr)
            func = func.value
        if not (isinstance(func, ast.Name) and chain):
            continue
        if func.id == "pulumi":
            if chain[-1] in PULUMI_RESOURCE_BASES:
                found.append(ast.unparse(node.func))
        elif func.id in sdk and chain[-1][:1].isupper():  # e.g. aws.s3.Bucket(...), not aws.get_caller_identity()
            found.append(ast.unparse(node.func))
    return found


def apply_problems(source: str) -> list[str]:
    """Resources constructed inside an `.apply()` callback (a lambda, or a module-level function by name)."""
    tree = ast.parse(source)
    sdk = _sdk_aliases(tree)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    problems = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "apply"):
            continue
        callback = node.args[0] if node.args else None
        if isinstance(callback, ast.Name) and callback.id in functions:
            callback = functions[callback.id]
        elif isinstance(callback, ast.Name) and hasattr(builtins, callback.id):
            continue  # e.g. .apply(str)
        if not isinstance(callback, (ast.Lambda, ast.FunctionDef)):
            problems.append(f"line {node.lineno}: cannot see into the .apply() callback {ast.unparse(node.args[0])}")
            continue
        problems += [f"line {node.lineno}: {made}(...) inside .apply()" for made in _constructs_resource(callback, sdk)]
    return problems


def test_every_listed_component_exists_and_nothing_unlisted():
    assert discovered() == EXPECTED


@pytest.mark.parametrize("module", sorted({m for m, _ in EXPECTED}))
def test_component_source_follows_the_design(module):
    source = (COMPONENTS_DIR / f"{module}.py").read_text(encoding="utf-8")
    problems = apply_problems(source)
    for cls in component_classes(source):
        problems += signature_problems(module, cls) + outputs_problems(cls)
    assert problems == []


@pytest.mark.parametrize("module,name", sorted(EXPECTED))
def test_args_are_frozen_dataclasses(module, name):
    cls = getattr(importlib.import_module(f"components.{module}"), name)
    hints = typing.get_type_hints(cls.__init__)
    args_type = hints["args"]
    assert args_type.__name__ == f"{name}Args"
    assert args_type.__module__ == f"components.{module}"
    assert dataclasses.is_dataclass(args_type) and args_type.__dataclass_params__.frozen
    assert inspect.signature(cls.__init__).parameters["opts"].default is None


@pytest.mark.parametrize("module,name", sorted(EXPECTED))
def test_every_component_has_an_alone_test(module, name):
    source = (ROOT / "tests" / "components" / f"test_{module}.py").read_text(encoding="utf-8")
    assert f'check_conventions(built, "{module}", "{name}")' in source
    assert [n.name for n in ast.parse(source).body
            if isinstance(n, ast.FunctionDef) and n.name.startswith("test_") and "_alone" in n.name]


# --- the static checks catch what they claim to ------------------------------------------------------------

BAD_SOURCE = '''
import pulumi
import pulumi_aws as aws


def make_topic(arn):
    return aws.sns.Topic("late", kms_master_key_id=arn)


class Bad(pulumi.ComponentResource):
    def __init__(self, name, args, *, opts=None):
        super().__init__("scaling-platform:other:Bad", name, None, opts)
        key = aws.kms.Key(f"{name}-key", opts=pulumi.ResourceOptions(parent=self))
        key.arn.apply(lambda arn: aws.sns.Topic(f"{name}-topic", kms_master_key_id=arn))
        key.arn.apply(make_topic)
        key.arn.apply(self.helper)
        self.register_outputs({})
        self.register_outputs({"key": key.arn})
'''


def test_static_checks_flag_each_violation():
    (cls,) = component_classes(BAD_SOURCE)
    assert signature_problems("bad", cls) == [
        "Bad.__init__ is not (self, name, args, opts=None)",
        "Bad: super().__init__('scaling-platform:other:Bad', name, None, opts) is not "
        "super().__init__('scaling-platform:bad:Bad', name, None, opts)"]
    assert outputs_problems(cls) == ["Bad: register_outputs called 2 times"]
    assert apply_problems(BAD_SOURCE) == ["line 14: aws.sns.Topic(...) inside .apply()",
                                          "line 15: aws.sns.Topic(...) inside .apply()",
                                          "line 16: cannot see into the .apply() callback self.helper"]


def test_static_checks_flag_outputs_not_last_or_empty():
    source = BAD_SOURCE.replace('        self.register_outputs({"key": key.arn})\n', "        key.arn.apply(str)\n")
    (cls,) = component_classes(source)
    assert outputs_problems(cls) == ["Bad: the last statement of __init__ is not self.register_outputs(...)"]
    source = BAD_SOURCE.replace('        self.register_outputs({"key": key.arn})\n', "")
    (cls,) = component_classes(source)
    assert outputs_problems(cls) == ["Bad: register_outputs({}) is not a non-empty dict"]


# --- the runtime harness catches what it claims to ---------------------------------------------------------

TOKEN = "scaling-platform:test_conventions:Broken"


class Broken(pulumi.ComponentResource):
    """A component that breaks one rule at a time, chosen by `fault`."""

    def __init__(self, name: str, fault: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(f"{name}-key", opts=child)
        if fault == "in-apply":
            key.arn.apply(lambda arn: aws.sns.Topic(f"{name}-topic", kms_master_key_id=arn, opts=child))
        if fault == "orphan":
            aws.sns.Topic(f"{name}-topic")
        if fault == "bad-name":
            aws.sns.Topic("topic", opts=child)
        self.register_outputs({} if fault == "empty-outputs" else {"key_arn": key.arn})
        if fault == "after-outputs":
            aws.sns.Topic(f"{name}-topic", opts=child)


@pytest.mark.parametrize("fault,message", [
    ("in-apply", "created inside .apply(): ['b-topic']"),
    ("orphan", "not parented to b: ['b-topic']"),
    ("bad-name", "children not named b-<role>: ['topic']"),
    ("empty-outputs", "register_outputs({}) is empty"),
    ("after-outputs", "created after register_outputs: ['b-topic']"),
])
def test_harness_catches_each_violation(fault, message):
    built = build_alone(lambda: Broken("b", fault))
    with pytest.raises(AssertionError, match=re.escape(message)):
        check_conventions(built, "test_conventions", "Broken")


def test_harness_passes_a_sound_component():
    built = build_alone(lambda: Broken("b", "none"))
    check_conventions(built, "test_conventions", "Broken")
    assert built.outputs == {"key_arn": "arn:aws:kms:us-east-1:123456789012:b-key"}
    assert built.roles() == {"key": "aws:kms/key:Key"}
