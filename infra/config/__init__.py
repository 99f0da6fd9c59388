"""Stack configuration: errors, the pydantic platform models, stack-file reading and --set.

Importers use this package's public names (`from infra.config import PlatformConfig`); which module
inside the package defines each one is an internal detail:
errors (ConfigError, one-line messages), yaml_io (YAML 1.2, size/depth limits), base (strict section
base, shared value types), regions / demand / tiers / data / kubernetes / edge / scaling (the sections),
names (AWS names derived from the stack name), platform (the whole, cross-section rules, parse_platform),
stack_file (reading Pulumi.<stack>.yaml), overrides (--set).
"""
from infra.config.data import CacheConfig, DatabaseConfig
from infra.config.demand import BurstEvent
from infra.config.edge import CDN_PROVIDERS, CLOUDFRONT_PRICE_CLASSES, DEPLOYABLE_CDN_PROVIDERS
from infra.config.errors import ConfigError
from infra.config.names import stack_name_syntax_problem
from infra.config.overrides import apply_overrides
from infra.config.platform import EMERGENCY_WORKER_STEP, PLATFORM_KEY, PROJECT, PlatformConfig, parse_platform
from infra.config.regions import DEFAULT_FAILOVER_PRIORITY, RegionConfig
from infra.config.stack_file import StackFile, read_stack_file

__all__ = [
    "CDN_PROVIDERS", "CLOUDFRONT_PRICE_CLASSES", "DEFAULT_FAILOVER_PRIORITY", "DEPLOYABLE_CDN_PROVIDERS",
    "EMERGENCY_WORKER_STEP", "PLATFORM_KEY", "PROJECT", "BurstEvent", "CacheConfig", "ConfigError",
    "DatabaseConfig", "PlatformConfig", "RegionConfig", "StackFile", "apply_overrides", "parse_platform",
    "read_stack_file", "stack_name_syntax_problem",
]
