"""Security policies: storage encrypted, databases private, instance metadata behind IMDSv2."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.rules.base import MANDATORY, ResourcePolicy
from policies.rules.props import (
    CACHE_GROUP,
    EBS_VOLUME,
    LAUNCH_TEMPLATE,
    RDS_INSTANCE,
    is_primary_db,
    truthy,
)

# ---------------------------------------------------------------------------- storage-encrypted

RDS_UNENCRYPTED = "RDS storage is not encrypted (storageEncrypted must be true)"
CACHE_AT_REST_OFF = "ElastiCache at-rest encryption is off (atRestEncryptionEnabled must be true)"
CACHE_IN_TRANSIT_OFF = "ElastiCache in-transit encryption is off (transitEncryptionEnabled must be true)"
BLOCK_DEVICE_UNENCRYPTED = "launch template block device {deviceName} is not encrypted (ebs.encrypted must be true)"
EBS_UNENCRYPTED = "EBS volume is not encrypted (encrypted must be true)"


def storage_encrypted(resource_type: str, props: Mapping[str, Any], config: Any = None, *, name: str = "") -> list[str]:
    """RDS storage, ElastiCache at rest and in transit, launch-template and standalone EBS encrypted.

    A read replica that leaves `storageEncrypted` unset inherits its source's encryption.
    """
    out: list[str] = []
    if resource_type == RDS_INSTANCE:
        value = props.get("storageEncrypted")
        if not truthy(value) and (value is not None or is_primary_db(props)):
            out.append(RDS_UNENCRYPTED)
    elif resource_type == CACHE_GROUP:
        if not truthy(props.get("atRestEncryptionEnabled")):
            out.append(CACHE_AT_REST_OFF)
        if not truthy(props.get("transitEncryptionEnabled")):
            out.append(CACHE_IN_TRANSIT_OFF)
    elif resource_type == LAUNCH_TEMPLATE:
        for bdm in props.get("blockDeviceMappings") or []:
            ebs = bdm.get("ebs")
            if ebs is not None and not truthy(ebs.get("encrypted")):
                out.append(BLOCK_DEVICE_UNENCRYPTED.format(deviceName=bdm.get("deviceName")))
    elif resource_type == EBS_VOLUME and not truthy(props.get("encrypted")):
        out.append(EBS_UNENCRYPTED)
    return out


STORAGE_ENCRYPTED = ResourcePolicy(
    "storage-encrypted", "RDS, ElastiCache (at rest and in transit) and EBS storage are encrypted.",
    MANDATORY, storage_encrypted,
    messages=(RDS_UNENCRYPTED, CACHE_AT_REST_OFF, CACHE_IN_TRANSIT_OFF, BLOCK_DEVICE_UNENCRYPTED, EBS_UNENCRYPTED))

# ---------------------------------------------------------------------------- rds-not-public

RDS_PUBLIC = "RDS instance is publicly accessible (publiclyAccessible must be false)"


def rds_not_public(resource_type: str, props: Mapping[str, Any], config: Any = None, *, name: str = "") -> list[str]:
    """No RDS instance is reachable from the internet."""
    if resource_type == RDS_INSTANCE and truthy(props.get("publiclyAccessible")):
        return [RDS_PUBLIC]
    return []


RDS_NOT_PUBLIC = ResourcePolicy("rds-not-public", "RDS instances are not publicly accessible.",
                                MANDATORY, rds_not_public, messages=(RDS_PUBLIC,))

# ---------------------------------------------------------------------------- imdsv2-required

IMDSV1_ALLOWED = 'launch template does not require IMDSv2 (metadataOptions.httpTokens must be "required")'


def imdsv2_required(resource_type: str, props: Mapping[str, Any], config: Any = None, *, name: str = "") -> list[str]:
    """Launch templates require IMDSv2 session tokens (blocks SSRF credential theft via IMDSv1)."""
    if resource_type != LAUNCH_TEMPLATE:
        return []
    if (props.get("metadataOptions") or {}).get("httpTokens") != "required":
        return [IMDSV1_ALLOWED]
    return []


IMDSV2_REQUIRED = ResourcePolicy("imdsv2-required", "Launch templates require IMDSv2 (httpTokens = required).",
                                 MANDATORY, imdsv2_required, messages=(IMDSV1_ALLOWED,))
