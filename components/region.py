"""Region: the network and front door of one region — VPC over >= 2 AZs, NAT, ALB, target group.

The VPC range and the subnet of each AZ come from the plan (infra/planning/network.py: a function of the
region and the AZ letter, never of the region's place in the stack), so adding, removing or reordering
regions changes nothing here for any other region.

Everything here is parented to the component and created through the region's explicit AWS
provider (passed in `opts.providers`), so one program can hold every region of the estate.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Sequence

import pulumi
import pulumi_aws as aws

from components.cache import REDIS_PORT
from components.database import POSTGRES_PORT
from components.log_bucket import LogBucketSpec, elb_log_policy, log_bucket
from components.naming import Naming, short_name
from components.waf import managed_rules, waf_logging
from infra.model import security

# Only the ALB is public; the policy pack checks the same ports: named once in infra/model/guardrails.py.
from infra.model.guardrails import PUBLIC_PORTS
from infra.model.network import NetworkPlan

APP_PORT = 8080
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"  # TLS 1.2+ only


@dataclass(frozen=True)
class RegionArgs:
    """What the plan decided for one region's network and load balancer."""

    naming: Naming
    region: str
    network: NetworkPlan  # VPC range and per-AZ subnets; regions never overlap, so they can peer later
    health_check_path: str
    health_check_interval_s: int
    health_check_timeout_s: int
    drain_seconds: int
    # The account the ALB access logs are written for (bucket policy path AWSLogs/<account>/).
    account_id: pulumi.Input[str]
    certificate_arn: str | None = None
    # CloudFront's origin-facing managed prefix list in this region: when set, the ALB accepts its
    # serving port only from CloudFront, and only requests carrying one of `origin_secrets`.
    edge_prefix_list_id: pulumi.Input[str] | None = None
    origin_secrets: Sequence[pulumi.Input[str]] = field(default_factory=tuple)  # current, then previous
    # A stack whose edge is Cloudflare alone: the ALB accepts its serving port only from these ranges
    # (Cloudflare's published ones, infra/model/security.py) and from Route53's health checkers
    # (`health_check_prefix_list_id`), which probe the ALBs the weighted records point at.
    edge_cidrs: Sequence[str] = ()
    health_check_prefix_list_id: pulumi.Input[str] | None = None


# Regional web ACL groups: the CloudFront ACL already filters client IPs (the ALB only sees
# CloudFront's addresses, so IP reputation is meaningless here).
REGIONAL_RULE_GROUPS = tuple(g for g in security.MANAGED_RULE_GROUPS if g != "AWSManagedRulesAmazonIpReputationList")
DNS_PORT = 53
HTTPS_PORT = 443
IAM_ROLE_NAME_MAX = 64  # IAM limit on a role name
# Why ALB -> instance traffic stays HTTP (a tag on the target group; the pack accepts plain HTTP only
# with a reason, policies/rules/hardening.py). The app on the instances serves plain HTTP on APP_PORT
# and no TLS key is provisioned to them (putting one there means a secret on every instance and its
# rotation: a change of its own); the hop never leaves the VPC (private subnets, the app SG admits only
# the ALB SG); and switching the protocol replaces the named target group, so it needs a new target
# group name and an ASG/listener cut-over, planned as its own change. Tag values allow only
# letters, digits, spaces and + - = . _ : / @, hence the wording.
ALB_LOGS_SSE_S3_REASON = "ALB access log delivery supports only SSE-S3 - ELB User Guide enable-access-logging"
BACKEND_HTTP_REASON = ("app serves plain HTTP and instances hold no TLS key - hop stays inside the VPC private subnets "
                       "- app SG admits only the ALB SG - HTTPS needs a new target group name")


class Region(pulumi.ComponentResource):
    """VPC, public/private subnets per AZ, IGW, NAT, security groups, ALB, api target group, listeners."""

    def __init__(self, name: str, args: RegionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("scaling-platform:region:Region", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = args.naming.tags
        network = args.network
        self.vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=network.vpc_cidr, enable_dns_hostnames=True,
                               enable_dns_support=True, tags=tags("vpc", Name=f"{name}-vpc"), opts=child)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, tags=tags("igw"), opts=child)
        zones = list(network.zones)
        self.public_subnets = [
            aws.ec2.Subnet(f"{name}-public-{pair.zone[-1]}", vpc_id=self.vpc.id, availability_zone=pair.zone,
                           cidr_block=pair.public_cidr, map_public_ip_on_launch=False,
                           tags=tags("public-subnet", tier="public"), opts=child)
            for pair in network.subnets]
        self.private_subnets = [
            aws.ec2.Subnet(f"{name}-private-{pair.zone[-1]}", vpc_id=self.vpc.id, availability_zone=pair.zone,
                           cidr_block=pair.private_cidr,
                           tags=tags("private-subnet", tier="private"), opts=child)
            for pair in network.subnets]
        eip = aws.ec2.Eip(f"{name}-nat-eip", domain="vpc", tags=tags("nat-eip"), opts=child)
        nat = aws.ec2.NatGateway(f"{name}-nat", allocation_id=eip.id, subnet_id=self.public_subnets[0].id,
                                 tags=tags("nat"), opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]))
        public_rt = aws.ec2.RouteTable(f"{name}-public-rt", vpc_id=self.vpc.id,
                                       routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
                                       tags=tags("public-rt"), opts=child)
        private_rt = aws.ec2.RouteTable(f"{name}-private-rt", vpc_id=self.vpc.id,
                                        routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}],
                                        tags=tags("private-rt"), opts=child)
        for subnets, table, kind in ((self.public_subnets, public_rt, "public"),
                                     (self.private_subnets, private_rt, "private")):
            for subnet, zone in zip(subnets, zones):
                aws.ec2.RouteTableAssociation(f"{name}-{kind}-rta-{zone[-1]}", subnet_id=subnet.id,
                                              route_table_id=table.id, opts=child)
        serving_port = HTTPS_PORT if args.certificate_arn else 80
        alb_ingress: list[dict[str, object]]
        if args.edge_prefix_list_id is not None:
            alb_ingress = [{"protocol": "tcp", "from_port": serving_port, "to_port": serving_port,
                            "prefix_list_ids": [args.edge_prefix_list_id], "description": "CloudFront origin-facing"}]
        elif args.edge_cidrs:
            alb_ingress = [{"protocol": "tcp", "from_port": serving_port, "to_port": serving_port,
                            "cidr_blocks": [c for c in args.edge_cidrs if ":" not in c],
                            "ipv6_cidr_blocks": [c for c in args.edge_cidrs if ":" in c],
                            "description": "Cloudflare edge (published ranges)"}]
            if args.health_check_prefix_list_id is not None:
                alb_ingress.append({"protocol": "tcp", "from_port": serving_port, "to_port": serving_port,
                                    "prefix_list_ids": [args.health_check_prefix_list_id],
                                    "description": "Route53 health checkers"})
        else:
            alb_ingress = [{"protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": ["0.0.0.0/0"],
                            "description": "public web"} for port in PUBLIC_PORTS]
        self.alb_sg = aws.ec2.SecurityGroup(
            f"{name}-alb-sg", vpc_id=self.vpc.id, description="ALB: public HTTPS/HTTP in, app port out",
            ingress=alb_ingress,
            egress=[{"protocol": "tcp", "from_port": APP_PORT, "to_port": APP_PORT,
                     "cidr_blocks": [network.vpc_cidr], "description": "to app instances"}],
            tags=tags("alb-sg"), opts=child)
        # Egress only to what the app needs: HTTPS (AWS APIs, updates via NAT), the database and
        # cache ports and DNS inside the VPC (their SGs admit only this SG).
        inside = [network.vpc_cidr]
        self.app_sg = aws.ec2.SecurityGroup(
            f"{name}-app-sg", vpc_id=self.vpc.id, description="App tiers: only the ALB may reach the app port",
            ingress=[{"protocol": "tcp", "from_port": APP_PORT, "to_port": APP_PORT,
                      "security_groups": [self.alb_sg.id], "description": "from ALB"}],
            egress=[{"protocol": "tcp", "from_port": HTTPS_PORT, "to_port": HTTPS_PORT, "cidr_blocks": ["0.0.0.0/0"],
                     "description": "HTTPS: AWS APIs, updates via NAT"},
                    {"protocol": "tcp", "from_port": POSTGRES_PORT, "to_port": POSTGRES_PORT, "cidr_blocks": inside,
                     "description": "database"},
                    {"protocol": "tcp", "from_port": REDIS_PORT, "to_port": REDIS_PORT, "cidr_blocks": inside,
                     "description": "cache"},
                    {"protocol": "udp", "from_port": DNS_PORT, "to_port": DNS_PORT, "cidr_blocks": inside,
                     "description": "VPC DNS"},
                    {"protocol": "tcp", "from_port": DNS_PORT, "to_port": DNS_PORT, "cidr_blocks": inside,
                     "description": "VPC DNS"}],
            tags=tags("app-sg"), opts=child)
        # The VPC's default security group: adopted with no rules, so nothing can use it by accident.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=self.vpc.id, ingress=[], egress=[],
                                     tags=tags("default-sg"), opts=child)
        _flow_logs(name, args.naming, self.vpc, child)
        # ALB access logs: a bucket in this region, SSE-S3 (the only encryption ALB log delivery supports).
        # Logical name `<stack>-<region>-logs`: auto-named, it must stay within S3's 63 characters
        # (infra/config/names.py checks it against the longest accepted stack name).
        region, account = args.region, args.account_id
        self.log_bucket, log_controls = log_bucket(
            f"{name}-logs", args.naming,
            LogBucketSpec(role="alb-logs", object_ownership="BucketOwnerEnforced", kms_key_arn=None,
                          extra_tags=((security.SSE_S3_REASON_TAG, ALB_LOGS_SSE_S3_REASON),),
                          force_destroy=args.naming.environment != "prod"),
            child, policy=lambda arn: pulumi.Output.from_input(account).apply(
                lambda acct: elb_log_policy(arn, region, acct, security.ALB_LOG_PREFIX)))
        self.alb = aws.lb.LoadBalancer(
            f"{name}-alb", name=short_name(f"{name}-alb"), load_balancer_type="application", internal=False,
            security_groups=[self.alb_sg.id], subnets=[s.id for s in self.public_subnets],
            drop_invalid_header_fields=True, enable_deletion_protection=args.naming.environment == "prod",
            access_logs={"bucket": self.log_bucket.bucket, "prefix": security.ALB_LOG_PREFIX, "enabled": True},
            # ELB writes a test object when logging is enabled: the bucket policy must exist first.
            tags=tags("alb"), opts=pulumi.ResourceOptions(parent=self, depends_on=list(log_controls)))
        self.target_group = aws.lb.TargetGroup(
            f"{name}-api-tg", name=short_name(f"{name}-api"), port=APP_PORT, protocol="HTTP",
            target_type="instance", vpc_id=self.vpc.id, deregistration_delay=args.drain_seconds,
            health_check={"path": args.health_check_path, "protocol": "HTTP", "interval": args.health_check_interval_s,
                          "timeout": args.health_check_timeout_s, "healthy_threshold": 3, "unhealthy_threshold": 3,
                          "matcher": "200-399"},
            tags=tags("api-tg", **{security.PLAINTEXT_REASON_TAG: BACKEND_HTTP_REASON}), opts=child)
        forward: list[dict[str, object]] = [{"type": "forward", "target_group_arn": self.target_group.arn}]
        # Behind the edge, the serving listener answers 403 unless CloudFront's secret header matches.
        locked = args.edge_prefix_list_id is not None and bool(args.origin_secrets)
        deny: list[dict[str, object]] = [{"type": "fixed-response", "fixed_response": {
            "content_type": "text/plain", "status_code": security.DIRECT_ACCESS_STATUS,
            "message_body": "Forbidden"}}]
        serving = None
        if args.certificate_arn:
            serving = aws.lb.Listener(f"{name}-https", load_balancer_arn=self.alb.arn, port=443, protocol="HTTPS",
                                      ssl_policy=TLS_POLICY, certificate_arn=args.certificate_arn,
                                      default_actions=deny if locked else forward, tags=tags("https-listener"),
                                      opts=child)
            http_actions: list[dict[str, object]] = [
                {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}]
        else:
            http_actions = deny if locked else forward
        http = aws.lb.Listener(f"{name}-http", load_balancer_arn=self.alb.arn, port=80, protocol="HTTP",
                               default_actions=http_actions, tags=tags("http-listener"), opts=child)
        if locked:
            aws.lb.ListenerRule(
                f"{name}-from-edge", listener_arn=(serving or http).arn,
                priority=security.EDGE_LISTENER_RULE_PRIORITY, actions=forward,
                conditions=[{"http_header": {"http_header_name": security.ORIGIN_SECRET_HEADER,
                                             "values": list(args.origin_secrets)}}],
                tags=tags("edge-listener-rule"), opts=child)
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-waf", name=short_name(f"{name}-waf", 128), scope="REGIONAL",
            description="ALB: AWS managed rule groups", default_action={"allow": {}},
            rules=managed_rules(REGIONAL_RULE_GROUPS, first_priority=10),
            visibility_config={"cloudwatch_metrics_enabled": True, "sampled_requests_enabled": True,
                               "metric_name": short_name(f"{name}-waf", 128)},
            tags=tags("waf"), opts=child)
        aws.wafv2.WebAclAssociation(f"{name}-waf-alb", resource_arn=self.alb.arn, web_acl_arn=self.web_acl.arn,
                                    opts=child)
        waf_logging(name, args.naming, self.web_acl, child)
        self.register_outputs({"vpc_id": self.vpc.id, "alb_dns_name": self.alb.dns_name,
                               "target_group_arn": self.target_group.arn, "alb_log_bucket": self.log_bucket.bucket})


_ASSUME_FLOW_LOGS = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


def _flow_logs(name: str, naming: Naming, vpc: aws.ec2.Vpc, opts: pulumi.ResourceOptions) -> None:
    """VPC flow logs (all traffic) to a CloudWatch log group, through a role that may only write there."""
    group = aws.cloudwatch.LogGroup(f"{name}-flow-logs", name=f"/vpc/flow-logs/{name}",
                                    retention_in_days=security.SECURITY_LOG_RETENTION_DAYS,
                                    tags=naming.tags("flow-logs"), opts=opts)
    role = aws.iam.Role(f"{name}-flow-logs-role", name=short_name(f"{name}-flow-logs", IAM_ROLE_NAME_MAX),
                        assume_role_policy=_ASSUME_FLOW_LOGS,
                        description="VPC flow logs: write to its own log group only",
                        tags=naming.tags("flow-logs-role"), opts=opts)
    aws.iam.RolePolicy(f"{name}-flow-logs-policy", role=role.id, policy=group.arn.apply(lambda arn: json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Resource": [arn, f"{arn}:*"],
                       "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]}]})),
        opts=opts)
    aws.ec2.FlowLog(f"{name}-flow-log", vpc_id=vpc.id, traffic_type="ALL", log_destination_type="cloud-watch-logs",
                    log_destination=group.arn, iam_role_arn=role.arn, tags=naming.tags("flow-log"), opts=opts)
