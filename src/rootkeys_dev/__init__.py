"""Development tools for rootkeys: the local AWS emulator, Config event and Lambda runtime fakes,
the demo, and the remediation runbook validator and runner.

Not needed to run the rule or the `rootkeys` CLI; installed with the `demo` or `dev` extra
(`pip install 'rootkeys[demo]'`), which brings moto.
"""
