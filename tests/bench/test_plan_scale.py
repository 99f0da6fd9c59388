"""Smoke run of the scale benchmark's floor process and its type-token -> SDK submodule mapping."""
from __future__ import annotations

from bench.plan_scale import aws_classes, run_floor


def test_floor_registers_exactly_the_asked_number_of_typed_groups():
    wall, cpu, registered = run_floor(3)
    assert registered == 3
    assert wall > 0 and cpu > 0


def test_typed_floor_loads_the_plan_s_aws_submodules():
    assert aws_classes(["aws:ec2/vpc:Vpc", "aws:lambda/function:Function", "aws:ec2/eip:Eip",
                        "pulumi:providers:aws", "cloudflare:index/dnsRecord:DnsRecord",
                        "scaling-platform:region:Region"]) == ["ec2.Eip", "ec2.Vpc", "lambda_.Function"]
    assert run_floor(2, ["wafv2.WebAcl", "lambda_.Function"])[2] == 2
