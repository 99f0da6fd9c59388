"""Region: the network and front door of one region — VPC over >= 2 AZs, NAT, ALB, target group.

The VPC range and the subnet of each AZ come from the plan (infra/planning/network.py: a function of the
region and the AZ letter, never of the region's place in the stack), so adding, removing or reordering
regions changes nothing here for any other region.

Everything here is parented to the component and created through the region's explicit AWS
provider (passed in `opts.providers`), so one program can hold every region of the estate.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.naming import Naming, short_name

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
    certificate_arn: str | None = None


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
        self.alb_sg = aws.ec2.SecurityGroup(
            f"{name}-alb-sg", vpc_id=self.vpc.id, description="ALB: public HTTPS/HTTP in, app port out",
            ingress=[{"protocol": "tcp", "from_port": port, "to_port": port, "cidr_blocks": ["0.0.0.0/0"],
                      "description": "public web"} for port in PUBLIC_PORTS],
            egress=[{"protocol": "tcp", "from_port": APP_PORT, "to_port": APP_PORT,
                     "cidr_blocks": [network.vpc_cidr], "description": "to app instances"}],
            tags=tags("alb-sg"), opts=child)
        self.app_sg = aws.ec2.SecurityGroup(
            f"{name}-app-sg", vpc_id=self.vpc.id, description="App tiers: only the ALB may reach the app port",
            ingress=[{"protocol": "tcp", "from_port": APP_PORT, "to_port": APP_PORT,
                      "security_groups": [self.alb_sg.id], "description": "from ALB"}],
            egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"],
                     "description": "updates, AWS APIs via NAT"}],
            tags=tags("app-sg"), opts=child)
        self.alb = aws.lb.LoadBalancer(
            f"{name}-alb", name=short_name(f"{name}-alb"), load_balancer_type="application", internal=False,
            security_groups=[self.alb_sg.id], subnets=[s.id for s in self.public_subnets],
            drop_invalid_header_fields=True, enable_deletion_protection=args.naming.environment == "prod",
            tags=tags("alb"), opts=child)
        self.target_group = aws.lb.TargetGroup(
            f"{name}-api-tg", name=short_name(f"{name}-api"), port=APP_PORT, protocol="HTTP",
            target_type="instance", vpc_id=self.vpc.id, deregistration_delay=args.drain_seconds,
            health_check={"path": args.health_check_path, "protocol": "HTTP", "interval": args.health_check_interval_s,
                          "timeout": args.health_check_timeout_s, "healthy_threshold": 3, "unhealthy_threshold": 3,
                          "matcher": "200-399"},
            tags=tags("api-tg"), opts=child)
        forward = [{"type": "forward", "target_group_arn": self.target_group.arn}]
        if args.certificate_arn:
            aws.lb.Listener(f"{name}-https", load_balancer_arn=self.alb.arn, port=443, protocol="HTTPS",
                            ssl_policy=TLS_POLICY, certificate_arn=args.certificate_arn,
                            default_actions=forward, tags=tags("https-listener"), opts=child)
            http_actions = [{"type": "redirect",
                             "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}]
        else:
            http_actions = forward
        aws.lb.Listener(f"{name}-http", load_balancer_arn=self.alb.arn, port=80, protocol="HTTP",
                        default_actions=http_actions, tags=tags("http-listener"), opts=child)
        self.register_outputs({"vpc_id": self.vpc.id, "alb_dns_name": self.alb.dns_name,
                               "target_group_arn": self.target_group.arn})
