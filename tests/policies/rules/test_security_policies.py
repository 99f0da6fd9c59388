"""policies/rules/security.py: storage-encrypted, rds-not-public, imdsv2-required."""
from __future__ import annotations

from policies.rules.props import EBS_VOLUME
from policies.rules.security import (
    IMDSV2_REQUIRED,
    RDS_NOT_PUBLIC,
    STORAGE_ENCRYPTED,
    storage_encrypted,
)
from tests.policies.stacks import by_name, check, mutate


def test_baseline_passes(good_stack):
    for rule in (STORAGE_ENCRYPTED, RDS_NOT_PUBLIC, IMDSV2_REQUIRED):
        assert [m for r in good_stack for m in check(rule, r)] == [], rule.name


# ---- storage-encrypted
def test_rds_unencrypted(good_stack):
    db = by_name(mutate(good_stack, "prod-db-primary", storageEncrypted=False), "prod-db-primary")
    assert check(STORAGE_ENCRYPTED, db) == ["RDS storage is not encrypted (storageEncrypted must be true)"]


def test_replica_inherits_encryption_unless_it_turns_it_off(good_stack):
    replica = by_name(good_stack, "prod-db-replica-1")
    assert "storageEncrypted" not in replica.inputs and check(STORAGE_ENCRYPTED, replica) == []
    off = by_name(mutate(good_stack, replica.name, storageEncrypted=False), replica.name)
    assert check(STORAGE_ENCRYPTED, off) == ["RDS storage is not encrypted (storageEncrypted must be true)"]


def test_cache_unencrypted(good_stack):
    c = by_name(mutate(good_stack, "prod-cache", transitEncryptionEnabled=False, atRestEncryptionEnabled=None),
                "prod-cache")
    assert check(STORAGE_ENCRYPTED, c) == [
        "ElastiCache at-rest encryption is off (atRestEncryptionEnabled must be true)",
        "ElastiCache in-transit encryption is off (transitEncryptionEnabled must be true)"]


def test_launch_template_ebs_unencrypted(good_stack):
    lt = by_name(mutate(good_stack, "prod-us-east-1-api-lt", blockDeviceMappings=[
        {"deviceName": "/dev/xvda", "ebs": {"volumeSize": 20.0, "encrypted": "false"}}]), "prod-us-east-1-api-lt")
    assert check(STORAGE_ENCRYPTED, lt) == [
        "launch template block device /dev/xvda is not encrypted (ebs.encrypted must be true)"]


def test_ebs_volume_unencrypted():
    assert storage_encrypted(EBS_VOLUME, {"size": 100.0, "encrypted": True}) == []
    assert storage_encrypted(EBS_VOLUME, {"size": 100.0}) == ["EBS volume is not encrypted (encrypted must be true)"]


# ---- rds-not-public
def test_rds_public(good_stack):
    db = by_name(mutate(good_stack, "prod-db-replica-1", publiclyAccessible=True), "prod-db-replica-1")
    assert check(RDS_NOT_PUBLIC, db) == ["RDS instance is publicly accessible (publiclyAccessible must be false)"]


# ---- imdsv2-required
def test_imdsv1_allowed(good_stack):
    lt = by_name(mutate(good_stack, "prod-us-east-1-api-lt", metadataOptions={"httpTokens": "optional"}),
                 "prod-us-east-1-api-lt")
    assert check(IMDSV2_REQUIRED, lt) == [
        'launch template does not require IMDSv2 (metadataOptions.httpTokens must be "required")']
