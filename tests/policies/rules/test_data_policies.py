"""policies/rules/data.py: multi-az-in-prod and deletion-protection."""
from __future__ import annotations

from policies.rules.data import DELETION_PROTECTION, MULTI_AZ_IN_PROD
from tests.policies.stacks import by_name, check, mutate


def test_baseline_passes(good_stack):
    assert [m for r in good_stack for m in check(MULTI_AZ_IN_PROD, r, environment="prod")] == []
    assert [m for r in good_stack for m in check(DELETION_PROTECTION, r)] == []


# ---- multi-az-in-prod
def test_rds_primary_single_az_in_prod(good_stack):
    db = by_name(mutate(good_stack, "prod-db-primary", multiAz=False), "prod-db-primary")
    assert check(MULTI_AZ_IN_PROD, db) == ["RDS primary is not Multi-AZ in prod (multiAz must be true)"]
    assert check(MULTI_AZ_IN_PROD, db, environment="dev") == []
    assert check(MULTI_AZ_IN_PROD, db, environment="dev", multi_az_environments=["dev", "prod"]) == [
        "RDS primary is not Multi-AZ in dev (multiAz must be true)"]


def test_replica_need_not_be_multi_az(good_stack):
    assert check(MULTI_AZ_IN_PROD, by_name(good_stack, "prod-db-replica-1"), environment="prod") == []


def test_cache_single_az_in_prod(good_stack):
    c = by_name(mutate(good_stack, "prod-cache", multiAzEnabled=False), "prod-cache")
    assert check(MULTI_AZ_IN_PROD, c, environment="prod") == [
        "ElastiCache replication group is not Multi-AZ in prod (multiAzEnabled must be true)"]


# ---- deletion-protection
def test_primary_without_deletion_protection(good_stack):
    db = by_name(mutate(good_stack, "prod-db-primary", deletionProtection=False), "prod-db-primary")
    assert check(DELETION_PROTECTION, db) == [
        "RDS primary has no deletion protection (deletionProtection must be true)"]


def test_primary_final_snapshot(good_stack):
    db = by_name(mutate(good_stack, "prod-db-primary", skipFinalSnapshot=True), "prod-db-primary")
    assert check(DELETION_PROTECTION, db) == ["RDS primary skips its final snapshot (skipFinalSnapshot must be false)"]
    assert check(DELETION_PROTECTION, db, require_final_snapshot=False) == []
    unnamed = by_name(mutate(good_stack, "prod-db-primary", finalSnapshotIdentifier=None), "prod-db-primary")
    assert check(DELETION_PROTECTION, unnamed) == ["RDS primary has no finalSnapshotIdentifier"]
