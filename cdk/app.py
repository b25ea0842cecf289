"""CDK app: the single-account and organization deployments from the repository's own artifacts.

    make package && cd cdk && cdk synth          # or: python app.py (writes cdk.out)

Context (cdk.json or `-c key=value`):
  rootkeys:singleAccountParameters   values for single-account.yaml (default: parameters.json's)
  rootkeys:organizationParameters    values for org-central.yaml (default: none; OrganizationId
                                     then stays a stack parameter)
  rootkeys:memberOrganizationalUnitIds  OUs for the member-role StackSet (default: a stack
                                     parameter, MemberOrganizationalUnitIds)
  rootkeys:buildDir                  where `make package` wrote the zips (default: ../build)
"""

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from rootkeys_cdk import RootKeysOrganization, RootKeysSingleAccount
from rootkeys_cdk.artifacts import REPO_ROOT


def _context(app: cdk.App, key: str) -> Any:
    value = app.node.try_get_context(key)
    # `-c key=value` passes strings; JSON lets the command line give objects and lists too.
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


def build(app: cdk.App) -> tuple[cdk.Stack, cdk.Stack]:
    build_dir = _context(app, "rootkeys:buildDir")
    build_path = Path(build_dir) if build_dir else REPO_ROOT / "build"
    single_parameters = _context(app, "rootkeys:singleAccountParameters")
    if single_parameters is None:
        configuration = json.loads((REPO_ROOT / "parameters.json").read_text(encoding="utf-8"))
        single_parameters = configuration["Parameters"]

    single = cdk.Stack(app, "RootKeysSingleAccount")
    RootKeysSingleAccount(single, "RootKeys", parameters=single_parameters, build_dir=build_path)

    organization = cdk.Stack(app, "RootKeysOrganization")
    RootKeysOrganization(
        organization,
        "RootKeys",
        parameters=_context(app, "rootkeys:organizationParameters"),
        member_organizational_unit_ids=_context(app, "rootkeys:memberOrganizationalUnitIds"),
        build_dir=build_path,
    )
    return single, organization


if __name__ == "__main__":
    cdk_app = cdk.App()
    build(cdk_app)
    cdk_app.synth()
