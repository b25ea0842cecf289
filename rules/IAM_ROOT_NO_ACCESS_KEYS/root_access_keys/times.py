"""Time helpers: the current UTC time and AWS's ISO 8601 timestamps."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_iso8601(text: str) -> datetime:
    """Parse an ISO 8601 time as AWS writes it ('Z' or '+00:00'). Raises ValueError."""
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


def format_minute(moment: datetime) -> str:
    """'2026-11-28 09:00Z': the precision an annotation needs."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")
