"""`tiers.<t>.longest_job_s` (the drain hook's heartbeat) and `forecast_network_pct`: one-line errors."""
from __future__ import annotations

import pytest

from infra.config import ConfigError, apply_overrides, parse_platform, read_stack_file
from tests.conftest import ROOT


def _parse(*overrides: str):
    stack_file = read_stack_file(ROOT / "Pulumi.prod.yaml")
    return parse_platform(apply_overrides(stack_file.platform, list(overrides), stack_file.path), stack_file.path)


@pytest.mark.parametrize("override,message", [
    ("tiers.api.longest_job_s=600", "tiers.api.longest_job_s: not used by a stateless tier (nothing to drain); "
                                    "allowed on batch tiers only"),
    ("tiers.worker.longest_job_s=10", "tiers.worker.longest_job_s: Input should be greater than or equal to 30 "
                                      "(got 10)"),
    ("tiers.worker.longest_job_s=200000", "tiers.worker.longest_job_s: Input should be less than or equal to 172800 "
                                          "(got 200000)"),
    ("tiers.worker.forecast_network_pct=2000", "tiers.worker.forecast_network_pct: Input should be less than or "
                                               "equal to 1000 (got 2000)"),
])
def test_bad_values_name_the_key_and_what_is_allowed(override, message):
    with pytest.raises(ConfigError) as err:
        _parse(override)
    assert str(err.value).endswith(message) and "\n" not in str(err.value)


def test_good_values():
    cfg = _parse("tiers.worker.longest_job_s=5400", "tiers.api.forecast_network_pct=85")
    assert (cfg.tiers.worker.longest_job_s, cfg.tiers.api.forecast_network_pct, cfg.tiers.api.longest_job_s) == \
        (5400, 85, None)
