"""rootkeys: audit the AWS account root user for access keys (CLI, evidence audit, local demo)."""
