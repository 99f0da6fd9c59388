"""Run the real Pulumi program offline under the SDK's mock engine and record what it registers.

This is how `scaling plan` and the tests see the stack without a Pulumi CLI, provider plugins or
a cloud account: `pulumi.runtime.set_mocks` with a monitor that records, for every registration,
the type token, name, inputs (as the provider would receive them), parent, provider and the
resource options the engine would act on (protect, retainOnDelete, ignoreChanges, ...).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from infra.config import PLATFORM_KEY, PROJECT
from infra.model.recorded import RecordedResource
from infra.model.unknown import SDK_UNKNOWN, SECRET_TEXT, UNKNOWN_TEXT

_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_UNKNOWN = SDK_UNKNOWN
MOCK_ACCOUNT = "123456789012"


def _name_from_urn(urn: str) -> str | None:
    if not urn:
        return None
    parts = urn.split("::")
    if len(parts) >= 4 and parts[2].endswith("pulumi:pulumi:Stack"):
        return None
    return parts[3] if len(parts) >= 4 else urn


def _mask(value: Any) -> Any:
    """Wire-format property values -> plain values, secrets as "[secret]", unknowns as "[unknown]"."""
    if isinstance(value, dict):
        if value.get(_SIG_KEY) == _SECRET_SIG:
            return SECRET_TEXT
        if _SIG_KEY in value:  # resource reference, asset or archive: keep its identifying fields
            return {k: _mask(v) for k, v in value.items() if k != _SIG_KEY}
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    if value == _UNKNOWN:
        return UNKNOWN_TEXT
    return value


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """MockMonitor that also keeps what MockResourceArgs leaves out (parent, provider, options)."""

    def __init__(self, mocks: pulumi_mocks.Mocks):
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        """Register as MockMonitor does, and record the resource's inputs, parent, provider and options."""
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = _mask(json_format.MessageToDict(request.object)) if request.object else {}
            options: dict[str, Any] = {
                "protect": bool(request.protect),
                "retainOnDelete": bool(request.retainOnDelete),
                "ignoreChanges": list(request.ignoreChanges),
                "deleteBeforeReplace": bool(request.deleteBeforeReplace),
                "replaceOnChanges": list(request.replaceOnChanges),
            }
            self.recorded.append(RecordedResource(
                type=request.type, name=request.name, inputs=inputs,
                parent=_name_from_urn(request.parent), provider=_provider_name(request.provider),
                options=options, urn=response.urn, custom=bool(request.custom)))
        return response


def _provider_name(reference: str) -> str | None:
    # A provider reference is "<provider urn>::<provider id>"; the URN's 4th segment is its name.
    if not reference:
        return None
    parts = reference.split("::")
    return parts[3] if len(parts) >= 4 else reference


_SERVICE_OF = {"autoscaling": "autoscaling", "lb": "elasticloadbalancing", "rds": "rds", "ec2": "ec2",
               "elasticache": "elasticache", "iam": "iam", "kms": "kms", "sns": "sns", "cloudwatch": "cloudwatch"}


# The input properties the program reads back from a resource (as another resource's input or a
# stack output); only these are echoed as outputs. Echoing every input made the SDK serialize each
# resource's whole state back and resolve it into Outputs nobody reads (~10-20% of a 3,600-resource
# plan). Recorded inputs come from the registration request, so they do not depend on this set. A
# property read back but missing here shows as "[unknown]" in the plan, which
# tests/infra/offline/test_offline_echo.py catches (and checks the plan equals the full echo).
READ_BACK = frozenset({
    "arn", "name", "address", "identifier", "endpoint", "primaryEndpointAddress", "dnsName", "zoneId",
    "arnSuffix", "keyId", "latestVersion", "domainName", "hostedZoneId", "qualifiedArn", "version",
    "scriptName", "metadata", "bucket", "bucketDomainName",
})


class PlanMocks(pulumi.runtime.Mocks):
    """Provider stand-in: echoes the inputs the program reads back and fills computed outputs.

    ids are `<name>_id` so cross-references stay readable and stable between runs.
    `echo_all=True` echoes every input (the reference behaviour the trimmed echo is tested against).
    """

    def __init__(self, echo_all: bool = False):
        super().__init__()
        self.echo_all = echo_all

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        """(`<name>_id`, outputs): the read-back inputs plus mock computed outputs (ARNs, DNS names, ...)."""
        outputs = dict(args.inputs) if self.echo_all else {k: v for k, v in args.inputs.items() if k in READ_BACK}
        rid = f"{args.name}_id"
        module = args.typ.split(":")[1].split("/")[0] if args.typ.count(":") >= 2 else ""
        region = "us-east-1"
        if args.provider:
            name = _provider_name(args.provider) or ""
            region = name[len("aws-"):] if name.startswith("aws-") else region
        if args.typ.startswith("aws:"):
            service = _SERVICE_OF.get(module, module)
            outputs.setdefault("arn", f"arn:aws:{service}:{region}:{MOCK_ACCOUNT}:{args.name}")
            outputs.setdefault("name", args.inputs.get("name", args.name))
        if args.typ == "aws:lb/loadBalancer:LoadBalancer":
            outputs.update(dnsName=f"{args.name}.{region}.elb.amazonaws.com", zoneId="Z35SXDOTRQ7X7K",
                           arnSuffix=f"app/{args.name}/0123456789abcdef")
        elif args.typ == "aws:ec2/launchTemplate:LaunchTemplate":
            outputs.setdefault("latestVersion", 1)
        elif args.typ == "aws:lb/targetGroup:TargetGroup":
            outputs.setdefault("arnSuffix", f"targetgroup/{args.name}/0123456789abcdef")
        elif args.typ == "aws:rds/instance:Instance":
            outputs.update(address=f"{args.name}.{region}.rds.amazonaws.com", endpoint=f"{args.name}:5432",
                           identifier=args.inputs.get("identifier", args.name))
        elif args.typ == "aws:elasticache/replicationGroup:ReplicationGroup":
            outputs.update(primaryEndpointAddress=f"{args.name}.cache.amazonaws.com")
        elif args.typ == "aws:cloudfront/distribution:Distribution":
            outputs.update(domainName=f"{args.name}.cloudfront.net", hostedZoneId="Z2FDTNDATAQYW2")
        elif args.typ == "aws:s3/bucket:Bucket":
            bucket = args.inputs.get("bucket", args.name)
            outputs.update(bucket=bucket, bucketDomainName=f"{bucket}.s3.amazonaws.com")
        elif args.typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs["arn"] = f"arn:aws:logs:{region}:{MOCK_ACCOUNT}:log-group:{args.inputs.get('name', args.name)}"
        elif args.typ == "aws:lambda/function:Function":
            outputs.update(qualifiedArn=f"arn:aws:lambda:{region}:{MOCK_ACCOUNT}:function:{args.name}:1",
                           version="1")
        return rid, outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        """Invokes: getCallerIdentity returns the mock account, getManagedPrefixList a per-region id;
        anything else returns {}."""
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": MOCK_ACCOUNT, "arn": f"arn:aws:iam::{MOCK_ACCOUNT}:root", "userId": "mock"}
        if args.token == "aws:ec2/getManagedPrefixList:getManagedPrefixList":
            # A plausible, stable per-region id ("pl-" + 8 hex digits), as AWS's differ by region.
            region = (_provider_name(args.provider) or "aws-us-east-1").removeprefix("aws-")
            digest = hashlib.sha256(f"{args.args.get('name')}@{region}".encode()).hexdigest()[:8]
            return {"id": f"pl-{digest}", "name": args.args.get("name"), "addressFamily": "IPv4",
                    "arn": f"arn:aws:ec2:{region}:aws:prefix-list/pl-{digest}", "maxEntries": 55}
        return {}


@dataclass(frozen=True)
class OfflineRun:
    """What one mock run of the program produced."""

    resources: tuple[RecordedResource, ...]
    outputs: Mapping[str, Any]


def _resolve_outputs(outputs: Mapping[str, Any], skip: frozenset[str]) -> dict[str, Any]:
    resolved: dict[str, Any] = {}
    for key, value in outputs.items():
        if key in skip:
            continue
        out = pulumi.Output.from_input(value)
        is_secret = _sync_await(out.is_secret())
        resolved[key] = SECRET_TEXT if is_secret else _sync_await(out.future())
    return resolved


def stack_config(platform: Mapping[str, Any], other: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The config map the CLI would hand the program (structured values as JSON) and its secret keys.

    Encrypted values (`{secure: ...}`) cannot be decrypted offline; they become a placeholder
    that is still marked secret, so the program takes the same code path as under the CLI.
    """
    config = {PLATFORM_KEY: json.dumps(dict(platform))}
    secret_keys: list[str] = []
    for key, value in other.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[key] = "offline-placeholder-secret"
            secret_keys.append(key)
        elif isinstance(value, (dict, list)):
            config[key] = json.dumps(value)
        else:
            config[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return config, secret_keys


def run_program(stack: str, platform: Mapping[str, Any], other: Mapping[str, Any] | None = None,
                skip_outputs: frozenset[str] = frozenset(), plan: Any = None, echo_all: bool = False) -> OfflineRun:
    """Run infra.program.main.main under mocks for `stack` with this config; return every registration.

    `skip_outputs` names stack outputs the caller already has (the plan's `capacity`, which the
    CLI computes directly): resolving a large nested output through the SDK costs real time.
    `plan` is that precomputed CapacityPlan, handed to the program so it is not planned twice.
    `echo_all` makes the mock provider echo every input (see READ_BACK).
    """
    from infra.program import (
        main as program,  # imported here so planners stay importable without the SDK cost
    )

    config, secret_keys = stack_config(platform, other or {})
    pulumi.runtime.set_all_config(config, secret_keys)
    mocks = PlanMocks(echo_all=echo_all)
    monitor = RecordingMonitor(mocks)
    pulumi_settings.ROOT.set(None)  # a fresh root Stack per run, so two runs in one process compare cleanly
    pulumi_settings.SETTINGS.rpc_manager.clear()
    pulumi_settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=True, monitor=monitor)
    _sync_await(run_pulumi_func(lambda: program.main(plan)))
    root = pulumi_settings.get_root_resource()
    outputs = _resolve_outputs(getattr(root, "outputs", {}), skip_outputs)
    # The SDK sends registrations from executor threads, so arrival order varies run to run; the
    # plan (and its cost lines and verdicts) is reviewed as a diff, so it lists resources by name.
    ordered = sorted(monitor.recorded, key=lambda r: (r.name, r.type))
    return OfflineRun(resources=tuple(ordered), outputs=outputs)
