"""Organization scale: the root credential inventory (`rootkeys org-audit`) and bulk remediation
(`rootkeys org-remediate`), through AWS Organizations' centralized root access (sts:AssumeRoot)."""
