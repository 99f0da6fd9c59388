"""Hardened access-log buckets: the ALB buckets (components/region.py) and the CloudFront one (components/edge.py).

Every log bucket gets the same controls, named after the bucket's logical name (`<bucket>-<control>`,
so the CloudFront bucket keeps the names it was deployed with): a full public-access block,
versioning, default encryption, object ownership, a lifecycle (expire logs, old versions, stale
uploads) and a bucket policy that refuses plain-HTTP requests and lets only the delivery service write.

What the delivery services force (AWS documentation, see infra/model/security.py):
- ALB access logs support only SSE-S3, and the bucket must be in the ALB's region: one SSE-S3 bucket per
  region, tagged `sse-s3-reason`. Ownership is BucketOwnerEnforced (ACLs off): ELB writes through the
  bucket policy, not ACLs.
- CloudFront standard logging writes through an ACL grant, so its bucket keeps ACLs enabled
  (BucketOwnerPreferred, tagged `acl-reason`); it can write to an SSE-KMS bucket when the key policy
  lets the log-delivery service use the key, so that bucket is SSE-KMS with a rotated key.

Only functions: the component that calls them passes its own name and `opts` (children of that component).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Sequence

import pulumi
import pulumi_aws as aws

from components.naming import Naming
from infra.model import security

KMS_DELETION_WINDOW_DAYS = 30  # the longest AWS allows: time to notice a mistaken key deletion


@dataclass(frozen=True)
class LogBucketSpec:
    """How one log bucket differs from the others: who writes, how objects are encrypted and owned."""

    role: str                                   # the bucket's `role` tag
    object_ownership: str                       # BucketOwnerEnforced, or BucketOwnerPreferred for ACL writers
    kms_key_arn: pulumi.Input[str] | None       # SSE-KMS with this key; None = SSE-S3 (AES256)
    extra_tags: tuple[tuple[str, str], ...] = ()  # e.g. the reason a delivery service forces SSE-S3 or ACLs
    force_destroy: bool = False


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    """Bucket-policy statement refusing every request not made over TLS (AWSGuard s3-bucket-ssl-requests-only)."""
    return {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def elb_log_policy(bucket_arn: str, region: str, account_id: str, prefix: str) -> str:
    """Bucket policy for ALB access logs: the region's ELB log-delivery principal may put objects under
    `<prefix>/AWSLogs/<account>/` only (account-id principal in regions opened before August 2022,
    the log-delivery service principal with an aws:SourceAccount condition in newer ones)."""
    resource = f"{bucket_arn}/{prefix}/AWSLogs/{account_id}/*"
    elb_account = security.ELB_LOG_DELIVERY_ACCOUNTS.get(region)
    if elb_account is not None:
        write: dict[str, Any] = {"Sid": "ElbLogDelivery", "Effect": "Allow",
                                 "Principal": {"AWS": f"arn:aws:iam::{elb_account}:root"},
                                 "Action": "s3:PutObject", "Resource": resource}
    else:
        write = {"Sid": "ElbLogDelivery", "Effect": "Allow",
                 "Principal": {"Service": security.ELB_LOG_DELIVERY_SERVICE}, "Action": "s3:PutObject",
                 "Resource": resource, "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}}
    return json.dumps({"Version": "2012-10-17", "Statement": [write, deny_insecure_transport(bucket_arn)]})


def tls_only_policy(bucket_arn: str) -> str:
    """Bucket policy with only the TLS requirement (CloudFront standard logging writes through its ACL grant)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [deny_insecure_transport(bucket_arn)]})


def log_delivery_key_policy(account_id: str) -> str:
    """Key policy of the CloudFront log bucket's key: account admins manage it (IAM decides who); the
    log-delivery service may generate data keys for this account's deliveries only (aws:SourceAccount)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdmin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "LogDeliveryEncryptsLogs", "Effect": "Allow", "Principal": {"Service": security.LOG_DELIVERY_SERVICE},
         "Action": "kms:GenerateDataKey*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}},
    ]})


def log_key(name: str, naming: Naming, account_id: pulumi.Input[str], description: str,
            opts: pulumi.ResourceOptions) -> aws.kms.Key:
    """A customer-managed key (rotation on) for a log bucket; stateful: protected and kept on delete."""
    return aws.kms.Key(name, description=description, enable_key_rotation=True,
                       deletion_window_in_days=KMS_DELETION_WINDOW_DAYS,
                       policy=pulumi.Output.from_input(account_id).apply(log_delivery_key_policy),
                       tags=naming.tags("log-key"),
                       opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True,
                                                                                      retain_on_delete=True)))


def log_bucket(name: str, naming: Naming, spec: LogBucketSpec, opts: pulumi.ResourceOptions,
               policy: Any = None) -> tuple[aws.s3.Bucket, Sequence[pulumi.Resource]]:
    """The bucket `name` with every control; returns (bucket, the controls a writer must wait for).

    `policy(bucket_arn) -> json` builds the bucket policy (default: TLS only).
    """
    bucket = aws.s3.Bucket(name, force_destroy=spec.force_destroy,
                           tags=naming.tags(spec.role, **dict(spec.extra_tags)), opts=opts)
    ownership = aws.s3.BucketOwnershipControls(f"{name}-ownership", bucket=bucket.id,
                                               rule={"object_ownership": spec.object_ownership}, opts=opts)
    public_block = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
        ignore_public_acls=True, restrict_public_buckets=True, opts=opts)
    aws.s3.BucketVersioning(f"{name}-versioning", bucket=bucket.id,
                            versioning_configuration={"status": "Enabled"}, opts=opts)
    default: dict[str, Any] = ({"sse_algorithm": "aws:kms", "kms_master_key_id": spec.kms_key_arn}
                               if spec.kms_key_arn is not None else {"sse_algorithm": "AES256"})
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption", bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": default, "bucket_key_enabled": True}], opts=opts)
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-lifecycle", bucket=bucket.id,
        rules=[{"id": "expire-access-logs", "status": "Enabled", "filter": {},
                "expiration": {"days": security.LOG_EXPIRATION_DAYS},
                "noncurrent_version_expiration": {"noncurrent_days": security.LOG_NONCURRENT_EXPIRATION_DAYS},
                "abort_incomplete_multipart_upload": {"days_after_initiation": security.ABORT_MULTIPART_DAYS}}],
        opts=opts)
    # The public-access block must exist before a policy is attached (S3 evaluates it on PutBucketPolicy).
    bucket_policy = aws.s3.BucketPolicy(
        f"{name}-policy", bucket=bucket.id, policy=bucket.arn.apply(policy or tls_only_policy),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[public_block])))
    return bucket, (ownership, public_block, encryption, bucket_policy)
