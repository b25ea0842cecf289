"""A progress bar on stderr while org-audit or org-remediate runs, only when stderr is a terminal."""

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class AccountProgress:
    """Counts finished accounts; silent when not attached to a terminal (pipes, CI)."""

    def __init__(self, description: str, stream: IO[str] | None = None) -> None:
        self._stream = stream or sys.stderr
        self._description = description
        self._progress: Progress | None = None
        self._task: int | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    @contextmanager
    def running(self) -> Iterator["AccountProgress"]:
        if not self.enabled:
            yield self
            return
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=self._stream),
            transient=True,
        )
        with self._progress:
            yield self
        self._progress = None

    def start(self, total: int) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task(self._description, total=total)

    def advance(self) -> None:
        with self._lock:
            if self._progress is not None and self._task is not None:
                self._progress.advance(self._task)
