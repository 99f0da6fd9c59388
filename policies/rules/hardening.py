"""Security hardening (issue 16, second part): access logs, log buckets on KMS without ACLs, KMS key
policies with confused-deputy conditions, least-privilege IAM, and ALB -> target TLS.

Each rule is what a security review (Checkov / AWSGuard, named in docs/policies.md) would flag; where a
delivery service forces a weaker setting, the resource carries a tag with the reason and the rule
accepts the weaker setting only with a non-empty reason (infra/model/security.py names the tags):
- `access-logs`: every application load balancer writes access logs, every distribution standard logs.
- `bucket-kms-encryption`: every bucket's default encryption is SSE-KMS with a key, unless the bucket
  carries `sse-s3-reason` (ALB log delivery supports only SSE-S3).
- `bucket-acls-disabled`: every bucket has ownership controls BucketOwnerEnforced, unless it carries
  `acl-reason` (CloudFront standard logging writes through an ACL grant).
- `kms-key-hardened`: key rotation on; every Allow statement to a service principal carries an
  aws:SourceAccount or aws:SourceArn condition.
- `iam-least-privilege`: no broad AWS-managed policy attached, no inline Allow of `*` / `<service>:*`
  actions on `*`.
- `alb-target-tls`: a target group on plain HTTP carries `plaintext-reason`.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Annotated, Any

from pydantic import Field

from infra.model import security
from infra.model.recorded import RecordedResource
from policies.rules.base import MANDATORY, Name, NoConfig, PolicyConfig, ResourcePolicy, StackPolicy, Violation
from policies.rules.props import DISTRIBUTION, LOAD_BALANCER, UNKNOWN, tags_of, truthy

BUCKET = "aws:s3/bucket:Bucket"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ENCRYPTION = ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
              "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
KMS_KEY = "aws:kms/key:Key"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE_POLICIES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy")
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SOURCE_CONDITION_KEYS = ("aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid")

# --- access-logs ------------------------------------------------------------------------------

ALB_NO_ACCESS_LOGS = "application load balancer does not write access logs (accessLogs.enabled with a bucket)"
CDN_NO_LOGS = "distribution does not write standard logs (loggingConfig.bucket)"


def access_logs(resource_type: str, props: Mapping[str, Any], config: NoConfig | Mapping[str, Any],
                *, name: str = "") -> list[str]:
    """ALBs have access logs enabled into a bucket; distributions have a logging bucket."""
    if resource_type == LOAD_BALANCER and (props.get("loadBalancerType") or "application") == "application":
        logs = props.get("accessLogs") or {}
        if not (truthy(logs.get("enabled")) and logs.get("bucket")):
            return [ALB_NO_ACCESS_LOGS]
    elif resource_type == DISTRIBUTION and not (props.get("loggingConfig") or {}).get("bucket"):
        return [CDN_NO_LOGS]
    return []


ACCESS_LOGS = ResourcePolicy(
    "access-logs", "Every application load balancer and CloudFront distribution writes access logs.",
    MANDATORY, access_logs, NoConfig, (ALB_NO_ACCESS_LOGS, CDN_NO_LOGS))

# --- shared: which bucket a bucket-level control belongs to ----------------------------------


def _bucket_for(control: RecordedResource, buckets: Mapping[str, RecordedResource], suffix: str) -> RecordedResource | None:
    """The bucket a control resource configures: by its `bucket` input (name, mock id `<name>_id` or
    physical name), else, when that id is unknown during preview, by its name `<bucket>-<suffix>`."""
    ref = control.inputs.get("bucket")
    if isinstance(ref, str) and ref != UNKNOWN:
        for bucket in buckets.values():
            if ref in (bucket.name, f"{bucket.name}_id", bucket.inputs.get("bucket")):
                return bucket
    return buckets.get(control.name.removesuffix(f"-{suffix}"))


def _reason(bucket: RecordedResource | None, tag: str) -> str:
    return (tags_of(bucket.inputs).get(tag) or "").strip() if bucket is not None else ""


def _bucket_controls(resources: list[RecordedResource], types: Collection[str], suffix: str,
                     ) -> tuple[list[tuple[RecordedResource, RecordedResource | None, str]], list[str]]:
    """Each control resource of `types` with its bucket (or None) and a label for messages, and the names
    of the buckets that no such control configures."""
    buckets = {r.name: r for r in resources if r.type == BUCKET}
    controls = []
    for control in (r for r in resources if r.type in types):
        bucket = _bucket_for(control, buckets, suffix)
        controls.append((control, bucket, bucket.name if bucket is not None else str(control.inputs.get("bucket"))))
    covered = {bucket.name for _, bucket, _ in controls if bucket is not None}
    return controls, [name for name in buckets if name not in covered]

# --- bucket-kms-encryption --------------------------------------------------------------------


BUCKET_NOT_KMS = ("bucket {bucket} default encryption is {algorithm}, not SSE-KMS with a key "
                  "(set aws:kms and kmsMasterKeyId, or tag the bucket sse-s3-reason with why the writer needs SSE-S3)")
BUCKET_NO_ENCRYPTION = "bucket {bucket} has no server-side encryption configuration"


def bucket_kms_encryption(resources: list[RecordedResource], config: NoConfig | Mapping[str, Any]) -> list[Violation]:
    """Every bucket's default encryption is aws:kms with a key id, unless tagged `sse-s3-reason`."""
    controls, unconfigured = _bucket_controls(resources, ENCRYPTION, "encryption")
    out: list[Violation] = []
    for control, bucket, label in controls:
        for rule in control.inputs.get("rules") or []:
            default = rule.get("applyServerSideEncryptionByDefault") or {}
            algorithm = str(default.get("sseAlgorithm") or "none")
            kms = algorithm in ("aws:kms", "aws:kms:dsse") and bool(default.get("kmsMasterKeyId"))
            if not kms and not _reason(bucket, security.SSE_S3_REASON_TAG):
                out.append(Violation(control.name, BUCKET_NOT_KMS.format(bucket=label, algorithm=algorithm)))
    out += [Violation(name, BUCKET_NO_ENCRYPTION.format(bucket=name)) for name in unconfigured]
    return out


BUCKET_KMS_ENCRYPTION = StackPolicy(
    "bucket-kms-encryption", "S3 buckets encrypt with SSE-KMS by default (SSE-S3 only with a documented reason).",
    MANDATORY, bucket_kms_encryption, NoConfig, (BUCKET_NOT_KMS, BUCKET_NO_ENCRYPTION))

# --- bucket-acls-disabled ---------------------------------------------------------------------

BUCKET_ACLS_ENABLED = ("bucket {bucket} object ownership is {ownership}: ACLs stay enabled "
                       "(use BucketOwnerEnforced, or tag the bucket acl-reason with why the writer needs ACLs)")
BUCKET_NO_OWNERSHIP = "bucket {bucket} has no ownership controls (BucketOwnerEnforced disables ACLs)"


def bucket_acls_disabled(resources: list[RecordedResource], config: NoConfig | Mapping[str, Any]) -> list[Violation]:
    """Every bucket has ownership controls BucketOwnerEnforced, unless tagged `acl-reason`."""
    controls, uncontrolled = _bucket_controls(resources, (OWNERSHIP,), "ownership")
    out: list[Violation] = []
    for control, bucket, label in controls:
        ownership = str((control.inputs.get("rule") or {}).get("objectOwnership") or "ObjectWriter")
        if ownership != "BucketOwnerEnforced" and not _reason(bucket, security.ACL_REASON_TAG):
            out.append(Violation(control.name, BUCKET_ACLS_ENABLED.format(bucket=label, ownership=ownership)))
    out += [Violation(name, BUCKET_NO_OWNERSHIP.format(bucket=name)) for name in uncontrolled]
    return out


BUCKET_ACLS_DISABLED = StackPolicy(
    "bucket-acls-disabled", "S3 buckets disable ACLs (BucketOwnerEnforced; ACLs only with a documented reason).",
    MANDATORY, bucket_acls_disabled, NoConfig, (BUCKET_ACLS_ENABLED, BUCKET_NO_OWNERSHIP))

# --- kms-key-hardened -------------------------------------------------------------------------

KEY_NOT_ROTATED = "KMS key rotation is off (enableKeyRotation must be true)"
KEY_SERVICE_UNCONDITIONED = ("key policy statement {sid} lets service {service} use the key without an "
                             "aws:SourceAccount or aws:SourceArn condition")


def _statements(policy: Any) -> list[Mapping[str, Any]]:
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return []
    if not isinstance(policy, Mapping):
        return []
    statements = policy.get("Statement") or []
    return [statements] if isinstance(statements, Mapping) else [s for s in statements if isinstance(s, Mapping)]


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def kms_key_hardened(resource_type: str, props: Mapping[str, Any], config: NoConfig | Mapping[str, Any],
                     *, name: str = "") -> list[str]:
    """Rotation on; service-principal grants scoped to the account (confused-deputy conditions)."""
    if resource_type != KMS_KEY:
        return []
    out = [] if truthy(props.get("enableKeyRotation")) else [KEY_NOT_ROTATED]
    for index, statement in enumerate(_statements(props.get("policy"))):
        principal = statement.get("Principal")
        services = _listed(principal.get("Service")) if isinstance(principal, Mapping) else []
        if statement.get("Effect") != "Allow" or not services:
            continue
        keys = {k.lower() for op in (statement.get("Condition") or {}).values() if isinstance(op, Mapping) for k in op}
        if not keys & set(SOURCE_CONDITION_KEYS):
            out.append(KEY_SERVICE_UNCONDITIONED.format(sid=statement.get("Sid") or f"#{index}",
                                                         service=", ".join(services)))
    return out


KMS_KEY_HARDENED = ResourcePolicy(
    "kms-key-hardened", "KMS keys rotate, and their policies grant services only with source-account conditions.",
    MANDATORY, kms_key_hardened, NoConfig, (KEY_NOT_ROTATED, KEY_SERVICE_UNCONDITIONED))

# --- iam-least-privilege ----------------------------------------------------------------------


class IamLeastPrivilegeConfig(PolicyConfig):
    denied_managed_policies: Annotated[list[Name], Field(
        description="AWS-managed policy ARNs no role may attach")] = list(security.BROAD_MANAGED_POLICIES)


BROAD_POLICY_ATTACHED = "role {role} attaches the broad managed policy {arn}; grant only the actions it needs inline"
WILDCARD_ACTION = "policy statement {sid} allows {action} on every resource"


def iam_least_privilege(resource_type: str, props: Mapping[str, Any],
                        config: IamLeastPrivilegeConfig | Mapping[str, Any], *, name: str = "") -> list[str]:
    """No denied managed policy attached; no inline Allow of `*` or `<service>:*` on Resource `*`."""
    if resource_type == ROLE_POLICY_ATTACHMENT:
        arn = str(props.get("policyArn") or "")
        if arn in IamLeastPrivilegeConfig.of(config).denied_managed_policies:
            return [BROAD_POLICY_ATTACHED.format(role=props.get("role"), arn=arn)]
        return []
    if resource_type not in INLINE_POLICIES:
        return []
    out = []
    for index, statement in enumerate(_statements(props.get("policy"))):
        if statement.get("Effect") != "Allow" or "*" not in _listed(statement.get("Resource")):
            continue
        for action in _listed(statement.get("Action")):
            if action == "*" or action.endswith(":*"):
                out.append(WILDCARD_ACTION.format(sid=statement.get("Sid") or f"#{index}", action=action))
    return out


IAM_LEAST_PRIVILEGE = ResourcePolicy(
    "iam-least-privilege", "Roles get only scoped permissions: no broad managed policies, no wildcard actions on *.",
    MANDATORY, iam_least_privilege, IamLeastPrivilegeConfig, (BROAD_POLICY_ATTACHED, WILDCARD_ACTION))

# --- alb-target-tls ---------------------------------------------------------------------------


class AlbTargetTlsConfig(PolicyConfig):
    allow_documented_http: Annotated[bool, Field(
        description="Accept an HTTP target group that carries a plaintext-reason tag")] = True


TARGET_HTTP = ("target group forwards plain HTTP to its targets without a plaintext-reason tag saying why "
               "(use HTTPS, or document the reason)")
TARGET_HTTP_REFUSED = "target group forwards plain HTTP to its targets (allow_documented_http is false)"


def alb_target_tls(resource_type: str, props: Mapping[str, Any], config: AlbTargetTlsConfig | Mapping[str, Any],
                   *, name: str = "") -> list[str]:
    """Target groups use HTTPS, or HTTP with a non-empty `plaintext-reason` tag (when allowed)."""
    if resource_type != TARGET_GROUP or str(props.get("protocol") or "").upper() != "HTTP":
        return []
    if not AlbTargetTlsConfig.of(config).allow_documented_http:
        return [TARGET_HTTP_REFUSED]
    if not (tags_of(props).get(security.PLAINTEXT_REASON_TAG) or "").strip():
        return [TARGET_HTTP]
    return []


ALB_TARGET_TLS = ResourcePolicy(
    "alb-target-tls", "ALB target groups use HTTPS, or HTTP with a documented reason.",
    MANDATORY, alb_target_tls, AlbTargetTlsConfig, (TARGET_HTTP, TARGET_HTTP_REFUSED))
