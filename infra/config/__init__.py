"""Stack configuration: errors, the pydantic platform models, stack-file reading and --set.

Importers use this package's public names (`from infra.config import PlatformConfig`); which module
inside the package defines each one is an internal detail.
"""
from infra.config.platform import (
    CDN_PROVIDERS,
    CLOUDFRONT_PRICE_CLASSES,
    DEFAULT_FAILOVER_PRIORITY,
    DEPLOYABLE_CDN_PROVIDERS,
    EMERGENCY_WORKER_STEP,
    PLATFORM_KEY,
    PROJECT,
    BurstEvent,
    CacheConfig,
    ConfigError,
    DatabaseConfig,
    PlatformConfig,
    RegionConfig,
    StackFile,
    apply_overrides,
    parse_platform,
    read_stack_file,
)

__all__ = [
    "CDN_PROVIDERS", "CLOUDFRONT_PRICE_CLASSES", "DEFAULT_FAILOVER_PRIORITY", "DEPLOYABLE_CDN_PROVIDERS",
    "EMERGENCY_WORKER_STEP", "PLATFORM_KEY", "PROJECT", "BurstEvent", "CacheConfig", "ConfigError",
    "DatabaseConfig", "PlatformConfig", "RegionConfig", "StackFile", "apply_overrides", "parse_platform",
    "read_stack_file",
]
