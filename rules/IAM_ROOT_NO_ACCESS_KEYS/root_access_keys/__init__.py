"""Decide whether the AWS account root user has access keys (CIS AWS 1.4, Security Hub IAM.4).

`handler` orchestrates one invocation; `decision.decide` is the verdict as a pure function of
plain data and `annotation` words it; `iam_evidence` is the only code that reads IAM evidence;
`clients` makes every AWS client within the time budget of `budget`; `rule` is the rdklib
ConfigRule.
"""
