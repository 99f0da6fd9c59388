"""WriterEndpoints built alone (components/db_endpoints.py): the SSM parameter the applications read."""
from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.db_endpoints import WriterEndpoints, WriterEndpointsArgs, parameter_name, writers_document
from tests.components.alone import NAMING_PROD, build_alone, check_conventions

SSM = "aws:ssm/parameter:Parameter"


def test_writer_endpoints_alone_one_string_parameter_per_region():
    def make():
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        return WriterEndpoints("test-eu-west-1-db-endpoints", WriterEndpointsArgs(
            naming=NAMING_PROD, region="eu-west-1",
            addresses={"test-db-shard-1": "w1.us-west-2.rds", "test-db-shard-0": "w0.us-east-1.rds"},
            regions={"test-db-shard-0": "us-east-1", "test-db-shard-1": "us-west-2"},
            identifiers={"test-db-shard-0": "test-db-shard-0", "test-db-shard-1": "test-db-shard-1-us-west-2-replica-0"}),
            opts=pulumi.ResourceOptions(providers={"aws": provider}))
    built = build_alone(make)
    check_conventions(built, "db_endpoints", "WriterEndpoints")
    (param,) = built.of_type(SSM)
    assert param.name == "test-eu-west-1-db-endpoints-writers" and param.provider == "aws-eu-west-1"
    i = param.inputs
    assert (i["name"], i["type"], i["tier"]) == ("/test/database/writers", "String", "Intelligent-Tiering")
    assert "value" not in i  # insecure_value: endpoints are shown in the plan, never masked as secrets
    assert json.loads(i["insecureValue"]) == {
        "test-db-shard-0": {"address": "w0.us-east-1.rds", "identifier": "test-db-shard-0", "region": "us-east-1"},
        "test-db-shard-1": {"address": "w1.us-west-2.rds", "identifier": "test-db-shard-1-us-west-2-replica-0",
                            "region": "us-west-2"}}
    assert built.outputs == {"parameter": "/test/database/writers"}


def test_document_is_sorted_and_the_path_is_fixed():
    assert parameter_name("prod") == "/prod/database/writers"
    text = writers_document({"b": "x", "a": "y"}, {"a": "r1", "b": "r2"}, {"a": "i1", "b": "i2"})
    assert text == '{"a": {"address": "y", "identifier": "i1", "region": "r1"}, "b": {"address": "x", "identifier": "i2", "region": "r2"}}'
