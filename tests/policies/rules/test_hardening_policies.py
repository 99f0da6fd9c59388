"""policies/rules/hardening.py: each rule passes what the components register and fails on one mutation."""
from __future__ import annotations

import json

from components.database import key_policy
from components.identity import instance_policy
from components.log_bucket import log_delivery_key_policy
from components.region import BACKEND_HTTP_REASON
from policies.rules.base import Violation
from policies.rules.hardening import (
    ACCESS_LOGS,
    ALB_TARGET_TLS,
    IAM_LEAST_PRIVILEGE,
    KMS_KEY_HARDENED,
    bucket_acls_disabled,
    bucket_kms_encryption,
)
from tests.policies.stacks import _r, by_name, check, mutate

ACCOUNT = "123456789012"
ALB = "prod-us-east-1-alb"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"


# --- access-logs --------------------------------------------------------------------------------

def test_alb_and_distribution_with_logs_pass(good_stack, edge_stack):
    assert check(ACCESS_LOGS, by_name(good_stack, ALB)) == []
    assert check(ACCESS_LOGS, by_name(edge_stack, "prod-edge-cdn")) == []


def test_alb_without_access_logs_fails(good_stack):
    expected = ["application load balancer does not write access logs (accessLogs.enabled with a bucket)"]
    assert check(ACCESS_LOGS, by_name(mutate(good_stack, ALB, accessLogs=None), ALB)) == expected
    disabled = {"bucket": "prod-us-east-1-logs", "enabled": False}
    assert check(ACCESS_LOGS, by_name(mutate(good_stack, ALB, accessLogs=disabled), ALB)) == expected
    # network load balancers are not in scope
    nlb = by_name(mutate(good_stack, ALB, accessLogs=None, loadBalancerType="network"), ALB)
    assert check(ACCESS_LOGS, nlb) == []


def test_distribution_without_logging_fails(edge_stack):
    cdn = by_name(mutate(edge_stack, "prod-edge-cdn", loggingConfig=None), "prod-edge-cdn")
    assert check(ACCESS_LOGS, cdn) == ["distribution does not write standard logs (loggingConfig.bucket)"]


# --- bucket-kms-encryption / bucket-acls-disabled --------------------------------------------------

def _buckets(edge_sse=None, alb_sse=None, alb_tags=None, edge_tags=None, edge_owner="BucketOwnerPreferred",
             alb_owner="BucketOwnerEnforced"):
    """What components/log_bucket.py registers for the CloudFront bucket and one ALB bucket."""
    kms = {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/prod-edge-logs-key"}
    return [
        _r(BUCKET, "prod-edge-logs", {"tags": {"acl-reason": "CloudFront standard logging writes through an ACL grant"}
                                      if edge_tags is None else edge_tags}),
        _r(SSE, "prod-edge-logs-encryption", {"bucket": "prod-edge-logs_id", "rules": [
            {"applyServerSideEncryptionByDefault": edge_sse or kms, "bucketKeyEnabled": True}]}),
        _r(OWNERSHIP, "prod-edge-logs-ownership", {"bucket": "prod-edge-logs_id",
                                                   "rule": {"objectOwnership": edge_owner}}),
        _r(BUCKET, "prod-us-east-1-logs", {"tags": {"sse-s3-reason": "ALB access log delivery supports only SSE-S3"}
                                               if alb_tags is None else alb_tags}),
        _r(SSE, "prod-us-east-1-logs-encryption", {"bucket": "prod-us-east-1-logs_id", "rules": [
            {"applyServerSideEncryptionByDefault": alb_sse or {"sseAlgorithm": "AES256"}}]}),
        _r(OWNERSHIP, "prod-us-east-1-logs-ownership", {"bucket": "prod-us-east-1-logs_id",
                                                            "rule": {"objectOwnership": alb_owner}}),
    ]


def test_kms_buckets_and_documented_sse_s3_pass():
    assert bucket_kms_encryption(_buckets(), {}) == []


def test_sse_s3_without_a_reason_fails():
    assert bucket_kms_encryption(_buckets(alb_tags={}), {}) == [Violation(
        "prod-us-east-1-logs-encryption",
        "bucket prod-us-east-1-logs default encryption is AES256, not SSE-KMS with a key (set aws:kms and "
        "kmsMasterKeyId, or tag the bucket sse-s3-reason with why the writer needs SSE-S3)")]
    # aws:kms without a key id is the AWS-managed key: not a customer key either
    assert [v.message for v in bucket_kms_encryption(_buckets(edge_sse={"sseAlgorithm": "aws:kms"}), {})] == [
        "bucket prod-edge-logs default encryption is aws:kms, not SSE-KMS with a key (set aws:kms and "
        "kmsMasterKeyId, or tag the bucket sse-s3-reason with why the writer needs SSE-S3)"]


def test_bucket_without_encryption_configuration_fails():
    stack = [r for r in _buckets() if r.name != "prod-edge-logs-encryption"]
    assert bucket_kms_encryption(stack, {}) == [Violation(
        "prod-edge-logs", "bucket prod-edge-logs has no server-side encryption configuration")]


def test_unknown_bucket_id_during_preview_matches_by_name():
    stack = mutate(_buckets(alb_tags={}), "prod-us-east-1-logs-encryption", bucket="04da6b54-80e4-46f7-96ec-b56ff0331ba9")
    assert [v.resource for v in bucket_kms_encryption(stack, {})] == ["prod-us-east-1-logs-encryption"]


def test_acls_disabled_or_documented_pass():
    assert bucket_acls_disabled(_buckets(), {}) == []


def test_acls_enabled_without_a_reason_fails():
    assert bucket_acls_disabled(_buckets(edge_tags={}), {}) == [Violation(
        "prod-edge-logs-ownership",
        "bucket prod-edge-logs object ownership is BucketOwnerPreferred: ACLs stay enabled (use BucketOwnerEnforced, "
        "or tag the bucket acl-reason with why the writer needs ACLs)")]
    stack = [r for r in _buckets() if r.name != "prod-us-east-1-logs-ownership"]
    assert bucket_acls_disabled(stack, {}) == [Violation(
        "prod-us-east-1-logs",
        "bucket prod-us-east-1-logs has no ownership controls (BucketOwnerEnforced disables ACLs)")]


# --- kms-key-hardened ------------------------------------------------------------------------------

def _key(policy: str, rotation=True):
    return _r("aws:kms/key:Key", "prod-us-east-1-data-key", {"enableKeyRotation": rotation, "policy": policy})


def test_the_components_key_policies_pass():
    assert check(KMS_KEY_HARDENED, _key(key_policy(ACCOUNT, "us-east-1"))) == []
    assert check(KMS_KEY_HARDENED, _key(log_delivery_key_policy(ACCOUNT))) == []


def test_service_grant_without_source_condition_fails():
    policy = json.loads(key_policy(ACCOUNT, "us-east-1"))
    del policy["Statement"][1]["Condition"]
    assert check(KMS_KEY_HARDENED, _key(json.dumps(policy), rotation=False)) == [
        "KMS key rotation is off (enableKeyRotation must be true)",
        "key policy statement CloudWatchAlarmsToEncryptedSns lets service cloudwatch.amazonaws.com use the key "
        "without an aws:SourceAccount or aws:SourceArn condition"]
    # a condition on something else (here the encryption context) does not scope the caller's account
    policy["Statement"][1]["Condition"] = {"StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": "x"}}
    assert len(check(KMS_KEY_HARDENED, _key(json.dumps(policy)))) == 1


# --- iam-least-privilege ---------------------------------------------------------------------------

ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def test_instance_policy_and_narrow_managed_policies_pass():
    assert check(IAM_LEAST_PRIVILEGE, _r(ROLE_POLICY, "prod-identity-policy",
                                         {"role": "prod-identity-role_id", "policy": instance_policy(ACCOUNT, "prod")})) == []
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    assert check(IAM_LEAST_PRIVILEGE, _r(ATTACHMENT, "prod-edge-edge-logs", {"role": "r", "policyArn": basic})) == []


def test_broad_managed_policy_fails():
    ssm = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    attachment = _r(ATTACHMENT, "prod-identity-policy-0", {"role": "prod-identity-role", "policyArn": ssm})
    assert check(IAM_LEAST_PRIVILEGE, attachment) == [
        "role prod-identity-role attaches the broad managed policy arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore; "
        "grant only the actions it needs inline"]
    assert check(IAM_LEAST_PRIVILEGE, attachment, denied_managed_policies=["arn:aws:iam::aws:policy/AdministratorAccess"]) == []


def test_wildcard_actions_on_every_resource_fail():
    policy = json.loads(instance_policy(ACCOUNT, "prod"))
    policy["Statement"].append({"Sid": "Lazy", "Effect": "Allow", "Action": ["s3:*", "ssm:GetParameter"], "Resource": "*"})
    policy["Statement"].append({"Effect": "Allow", "Action": "*", "Resource": ["*"]})
    # a wildcard on a scoped resource is a different (narrower) grant
    policy["Statement"].append({"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:*:1:log-group:/x/*"})
    assert check(IAM_LEAST_PRIVILEGE, _r(ROLE_POLICY, "p", {"policy": json.dumps(policy)})) == [
        "policy statement Lazy allows s3:* on every resource", "policy statement #7 allows * on every resource"]


# --- alb-target-tls --------------------------------------------------------------------------------

def _tg(protocol="HTTP", reason: str | None = BACKEND_HTTP_REASON):
    tags = {"environment": "prod"} | ({"plaintext-reason": reason} if reason is not None else {})
    return _r("aws:lb/targetGroup:TargetGroup", "prod-us-east-1-api-tg", {"protocol": protocol, "port": 8080.0,
                                                                        "tags": tags})


def test_https_or_documented_http_target_group_passes():
    assert check(ALB_TARGET_TLS, _tg()) == []
    assert check(ALB_TARGET_TLS, _tg("HTTPS", None)) == []


def test_undocumented_or_refused_http_target_group_fails():
    assert check(ALB_TARGET_TLS, _tg(reason=None)) == [
        "target group forwards plain HTTP to its targets without a plaintext-reason tag saying why "
        "(use HTTPS, or document the reason)"]
    assert check(ALB_TARGET_TLS, _tg(reason="  ")) == check(ALB_TARGET_TLS, _tg(reason=None))
    assert check(ALB_TARGET_TLS, _tg(), allow_documented_http=False) == [
        "target group forwards plain HTTP to its targets (allow_documented_http is false)"]


def test_reasons_are_valid_tag_values():
    # AWS tag values: up to 256 of letters, digits, spaces and + - = . _ : / @
    import re

    from components.edge import CLOUDFRONT_LOGS_ACL_REASON
    from components.region import ALB_LOGS_SSE_S3_REASON

    for value in (BACKEND_HTTP_REASON, ALB_LOGS_SSE_S3_REASON, CLOUDFRONT_LOGS_ACL_REASON):
        assert re.fullmatch(r"[\w +\-=.:/@]{1,256}", value), value
