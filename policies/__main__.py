"""Entry point the Pulumi CLI runs for `--policy-pack policies`: constructs the pack and serves it.

Constructing `PolicyPack` starts the analyzer gRPC server, prints its port and blocks, so nothing
else may import this module; tests and `scaling plan` import `policies.pack` / `policies.engine`.
"""
import sys
from pathlib import Path

# The CLI runs this file by path (`python -m pulumi.policy <engine> <pack dir>`), which puts
# policies/ itself on sys.path; the repository root is what makes `policies.*` and `infra.*`
# importable when the project is not pip-installed into the pack's virtualenv.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack  # noqa: E402

from policies.pack import PACK_ENFORCEMENT, PACK_NAME, POLICIES  # noqa: E402

PolicyPack(name=PACK_NAME, policies=POLICIES, enforcement_level=PACK_ENFORCEMENT)
