"""The markers for values not known at plan time (offline mocks, `pulumi preview`): defined once."""
from __future__ import annotations

SECRET_TEXT = "[secret]"  # how the offline plan prints a secret (never its value)
UNKNOWN_TEXT = "[unknown]"  # how the offline plan prints an output not known before deployment
# pulumi's own unknown marker (pulumi.runtime UNKNOWN, pulumi_policy UNKNOWN_STRING_VALUE): what the
# mocks and the policy analyzer hand over under `pulumi preview` for a value not known yet.
SDK_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Values priced as absent (the pricer's default) and skipped by the rules.
UNKNOWN_VALUES = (UNKNOWN_TEXT, SECRET_TEXT, SDK_UNKNOWN)
