"""Network exposure: only the ALB's security group is open to the internet, and only on its ports.

ALB security groups are recognised by tag `role: alb`, or by a name (resource name, `name` or
`namePrefix` input) ending in `-alb-sg`; a standalone ingress rule counts as ALB when tagged
`role: alb` or when its name or `securityGroupId` contains `-alb-sg`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from infra.model import guardrails
from policies.rules.base import MANDATORY, PolicyConfig, Port, ResourcePolicy
from policies.rules.props import INGRESS_RULE, SECURITY_GROUP, fmt, num, tags_of

OPEN_CIDRS = ("0.0.0.0/0", "::/0")


def is_alb_security_group(resource_type: str, props: Mapping[str, Any], name: str = "") -> bool:
    """ALB security groups: tag `role: alb`, or a name ending in `-alb-sg` (see module doc)."""
    if tags_of(props).get("role") == "alb":
        return True
    names = [name, str(props.get("name") or "")]
    if resource_type == INGRESS_RULE:
        names.append(str(props.get("securityGroupId") or ""))
        return any("-alb-sg" in n for n in names)
    return any(n.endswith("-alb-sg") for n in names) or "-alb-sg" in str(props.get("namePrefix") or "")


class NoPublicIngressConfig(PolicyConfig):
    alb_public_ports: Annotated[list[Port], Field(
        description="Ports an ALB security group may open to the internet")] = list(guardrails.PUBLIC_PORTS)


OPEN_OUTSIDE_ALB = ("ingress {protocol} ports {ports} is open to {cidr} "
                    "(only ALB security groups may be open to the internet)")
ALB_OTHER_PORT = ("ingress {protocol} ports {ports} is open to {cidr} "
                  "(ALB security groups may only open ports {allowed})")


def no_public_ingress(resource_type: str, props: Mapping[str, Any], config: NoPublicIngressConfig | Mapping[str, Any],
                      *, name: str = "") -> list[str]:
    """No ingress from 0.0.0.0/0 or ::/0, except ALB security groups on `alb_public_ports`;
    a rule covering any other port (or protocol -1, all ports) is a violation."""
    if resource_type == SECURITY_GROUP:
        rules = [dict(r, _cidrs=list(r.get("cidrBlocks") or []) + list(r.get("ipv6CidrBlocks") or []))
                 for r in props.get("ingress") or []]
    elif resource_type == INGRESS_RULE:
        rules = [{"protocol": props.get("ipProtocol"), "fromPort": props.get("fromPort"),
                  "toPort": props.get("toPort"),
                  "_cidrs": [c for c in (props.get("cidrIpv4"), props.get("cidrIpv6")) if c]}]
    else:
        return []
    cfg = NoPublicIngressConfig.of(config)
    allowed_ports = set(cfg.alb_public_ports)
    alb = is_alb_security_group(resource_type, props, name)
    out: list[str] = []
    for rule in rules:
        for cidr in rule["_cidrs"]:
            if cidr not in OPEN_CIDRS:
                continue
            proto = str(rule.get("protocol"))
            lo, hi = num(rule.get("fromPort")), num(rule.get("toPort"))
            single_allowed = (proto not in ("-1", "all") and lo is not None and lo == hi
                              and int(lo) in allowed_ports)
            if alb and single_allowed:
                continue
            ports = "all" if proto in ("-1", "all") else f"{fmt(lo)}-{fmt(hi)}"
            if alb:
                out.append(ALB_OTHER_PORT.format(protocol=proto, ports=ports, cidr=cidr,
                                                 allowed=", ".join(str(p) for p in cfg.alb_public_ports)))
            else:
                out.append(OPEN_OUTSIDE_ALB.format(protocol=proto, ports=ports, cidr=cidr))
    return out


NO_PUBLIC_INGRESS = ResourcePolicy(
    "no-public-ingress", "No ingress from 0.0.0.0/0 or ::/0 except ALB security groups on 443/80.",
    MANDATORY, no_public_ingress, NoPublicIngressConfig, (OPEN_OUTSIDE_ALB, ALB_OTHER_PORT))
