"""What the rule knows about the credential report when it decides, and where evidence came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the report parser loads only when a report is read
    from .credential_report import RootCredentials


class Origin(StrEnum):
    """Where a piece of evidence came from."""

    LIVE = "live"  # an API answer in this run
    EXPORTED = "exported"  # a file someone exported earlier: no time or account of its own
    ROOT_SESSION = "root_session"  # the root user's own listing, read in a root session (sts:AssumeRoot)

    @property
    def is_current(self) -> bool:
        """Read from AWS in this run (so it says how things are now)."""
        return self is not Origin.EXPORTED


@dataclass(frozen=True)
class ReportNotRead:
    """The live summary was enough (fast path)."""


@dataclass(frozen=True)
class ReportRead:
    """A credential report was read. root is None when it has no <root_account> row."""

    root: RootCredentials | None
    generated_at: datetime | None = None
    origin: Origin = Origin.LIVE


@dataclass(frozen=True)
class ReportUnavailable:
    """The report could not be had; reason says why in a few words for the annotation."""

    reason: str


ReportEvidence = ReportNotRead | ReportRead | ReportUnavailable
