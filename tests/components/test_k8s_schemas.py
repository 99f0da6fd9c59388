"""Every Kubernetes object the plan registers, validated against the schemas a cluster applies.

- Built-in kinds (Namespace, Deployment, HPA, PDB): kubernetes-validate's copies of the official
  Kubernetes OpenAPI schemas, strict (unknown fields refused), for every version in
  `k8s_specs.SUPPORTED_KUBERNETES_VERSIONS`.
- KEDA kinds (ScaledObject, TriggerAuthentication): the CRDs of KEDA v2.20.2, vendored in
  schemas/keda-v2.20.2/ (SOURCE.md), `openAPIV3Schema` with unknown fields refused too: a CRD's
  structural schema makes the API server drop them silently, so a misspelt field would apply
  "successfully" and do nothing.
Mocks accept anything; these are the checks a real `kubectl apply --dry-run=server` would make.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from infra.planning.k8s_specs import SUPPORTED_KUBERNETES_VERSIONS
from tests.conftest import K8S_ENABLED as K8S
from tests.conftest import run_stack

KEDA_CRD_DIR = Path(__file__).parent / "schemas" / "keda-v2.20.2"
KEDA_KINDS = {"ScaledObject": "keda.sh_scaledobjects.yaml", "TriggerAuthentication": "keda.sh_triggerauthentications.yaml"}
BUILTIN_KINDS = {"Namespace", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"}


def _json_numbers(value: Any) -> Any:
    """The mocks see every number as a float; the provider sends integral ones as JSON integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    return value


def manifests(run) -> dict[str, dict]:
    """Resource name -> the object as applied (apiVersion, kind, metadata, spec)."""
    return {r.name: _json_numbers({k: r.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec") if k in r.inputs})
            for r in run.resources if r.type.startswith("kubernetes:")}


def _refuse_unknown_fields(schema: Any) -> Any:
    """A copy of a CRD schema where every object with declared properties refuses others (what
    the API server would prune), except where the CRD keeps unknown fields on purpose."""
    if isinstance(schema, dict):
        out = {k: _refuse_unknown_fields(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out \
                and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_refuse_unknown_fields(v) for v in schema]
    return schema


def keda_validator(kind: str) -> jsonschema.Draft202012Validator:
    crd = yaml.safe_load((KEDA_CRD_DIR / KEDA_KINDS[kind]).read_text())
    [served] = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    schema = _refuse_unknown_fields(served["schema"]["openAPIV3Schema"])
    # metadata is ObjectMeta, checked by the API server itself, not by the CRD.
    schema["properties"]["metadata"] = {"type": "object"}
    return jsonschema.Draft202012Validator(schema)


def keda_errors(manifest: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in keda_validator(manifest["kind"]).iter_errors(manifest)]


@pytest.fixture(scope="module")
def objects():
    return manifests(run_stack("prod", K8S))


@pytest.fixture(scope="module")
def dev_objects():
    """dev differs in the zone spread (ScheduleAnyway) and the VPC range; its objects are checked too."""
    return manifests(run_stack("dev", K8S))


def test_the_plan_registers_these_kinds(objects):
    kinds = sorted(m["kind"] for m in objects.values())
    assert kinds == ["Deployment", "Deployment", "HorizontalPodAutoscaler", "Namespace", "NetworkPolicy",
                     "NetworkPolicy", "NetworkPolicy", "PodDisruptionBudget", "PodDisruptionBudget", "ScaledObject",
                     "TriggerAuthentication"]
    assert {m["kind"] for m in objects.values()} <= BUILTIN_KINDS | set(KEDA_KINDS)


@pytest.mark.parametrize("version", SUPPORTED_KUBERNETES_VERSIONS)
def test_builtin_objects_match_the_official_schemas(objects, dev_objects, version):
    for name, manifest in {**objects, **dev_objects}.items():
        if manifest["kind"] in BUILTIN_KINDS:
            assert kubernetes_validate.validate(manifest, version, strict=True) == version, name


def test_keda_objects_match_the_keda_crds(objects):
    for name, manifest in objects.items():
        if manifest["kind"] in KEDA_KINDS:
            assert manifest["apiVersion"] == "keda.sh/v1alpha1"
            assert keda_errors(manifest) == [], name


def test_the_validators_refuse_what_a_cluster_refuses(objects):
    deployment = copy.deepcopy(objects["prod-k8s-api"])
    deployment["spec"]["template"]["spec"]["topologySpreadConstraints"][0]["maxSkw"] = 1  # typo
    with pytest.raises(kubernetes_validate.ValidationError, match="maxSkw"):
        kubernetes_validate.validate(deployment, SUPPORTED_KUBERNETES_VERSIONS[0], strict=True)
    # the hardening fields are checked too: a misspelt one would be refused, not ignored
    hardened = copy.deepcopy(objects["prod-k8s-worker"])
    hardened["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFileSystem"] = True
    with pytest.raises(kubernetes_validate.ValidationError, match="readOnlyRootFileSystem"):
        kubernetes_validate.validate(hardened, SUPPORTED_KUBERNETES_VERSIONS[0], strict=True)
    policy = copy.deepcopy(objects["prod-k8s-api-netpol"])
    policy["spec"]["egress"][0]["ports"][0]["port"] = {"number": 53}  # an int or a named port, not an object
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(policy, SUPPORTED_KUBERNETES_VERSIONS[0], strict=True)
    pdb = copy.deepcopy(objects["prod-k8s-api-pdb"])
    pdb["spec"]["unhealthyPodEvictionPolicy"] = 7
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pdb, SUPPORTED_KUBERNETES_VERSIONS[0], strict=True)

    auth = copy.deepcopy(objects["prod-k8s-worker-auth"])
    auth["spec"]["podIdentity"]["provider"] = "aws-irsa"
    assert keda_errors(auth) == [("spec/podIdentity/provider: 'aws-irsa' is not one of "
                                  "['azure-workload', 'gcp', 'aws', 'aws-eks', 'none']")]
    scaler = copy.deepcopy(objects["prod-k8s-worker-scaler"])
    del scaler["spec"]["triggers"][0]["authenticationRef"]["name"]
    scaler["spec"]["triggers"][0]["authRef"] = {"name": "worker-sqs"}  # would be pruned: never authenticates
    assert sorted(keda_errors(scaler)) == [
        "spec/triggers/0/authenticationRef: 'name' is a required property",
        "spec/triggers/0: Additional properties are not allowed ('authRef' was unexpected)"]
