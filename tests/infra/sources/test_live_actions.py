"""infra/sources/live_actions.py: the exact AWS calls (botocore Stubber; moto lacks the ElastiCache ones)."""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from infra.sources import live_actions
from infra.sources.aws import AwsError


@pytest.fixture
def stubbed(monkeypatch):
    made = {}

    def client(service, region):
        if service not in made:
            c = boto3.client(service, region_name=region, aws_access_key_id="k", aws_secret_access_key="s")
            made[service] = (c, Stubber(c))
            made[service][1].activate()
        return made[service][0]

    monkeypatch.setattr(live_actions, "client", client)
    return lambda service: client(service, "us-east-1") and made[service][1]


def test_cache_node_type_and_replica_count(stubbed):
    stub = stubbed("elasticache")
    stub.add_response("modify_replication_group", {}, {
        "ReplicationGroupId": "prod-us-east-1-cache", "CacheNodeType": "cache.r5.xlarge", "ApplyImmediately": True})
    stub.add_response("increase_replica_count", {}, {
        "ReplicationGroupId": "prod-us-east-1-cache", "NewReplicaCount": 5, "ApplyImmediately": True})
    stub.add_response("decrease_replica_count", {}, {
        "ReplicationGroupId": "prod-us-east-1-cache", "NewReplicaCount": 2, "ApplyImmediately": True})
    live_actions.set_cache_node_type("us-east-1", "prod-us-east-1-cache", "cache.r5.xlarge")
    live_actions.set_cache_replicas("us-east-1", "prod-us-east-1-cache", 5, current=2)
    live_actions.set_cache_replicas("us-east-1", "prod-us-east-1-cache", 2, current=5)
    live_actions.set_cache_replicas("us-east-1", "prod-us-east-1-cache", 2, current=2)  # no call
    stub.assert_no_pending_responses()


def test_scheduled_action_leaves_minus_one_sizes_unset_and_a_refusal_is_one_line(stubbed):
    stub = stubbed("autoscaling")
    stub.add_response("put_scheduled_update_group_action", {}, {
        "AutoScalingGroupName": "g", "ScheduledActionName": "floor-mon-0800", "MinSize": 28,
        "Recurrence": "0 8 * * MON", "TimeZone": "America/New_York"})
    live_actions.put_scheduled_action("us-east-1", "g", {
        "scheduledActionName": "floor-mon-0800", "minSize": 28.0, "maxSize": -1.0, "desiredCapacity": -1.0,
        "recurrence": "0 8 * * MON", "timeZone": "America/New_York"})
    stub.add_client_error("update_auto_scaling_group", "AccessDenied", "not authorized to perform UpdateAutoScalingGroup")
    with pytest.raises(AwsError) as err:
        live_actions.set_group_size("us-east-1", "g", 28, 100, 28)
    assert str(err.value) == ("autoscaling UpdateAutoScalingGroup g in us-east-1: refused (AccessDenied: not authorized "
                              "to perform UpdateAutoScalingGroup); the credentials need this permission")
    assert err.value.kind == "denied"
