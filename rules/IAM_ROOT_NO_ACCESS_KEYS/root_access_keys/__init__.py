"""Decide whether the AWS account root user has access keys (CIS AWS 1.4, Security Hub IAM.4).

The decision (`decision.decide`) is a pure function of plain data; `iam_evidence` is the
only module that calls IAM; `evaluator` and `rule` are the thin rdklib glue.
"""
