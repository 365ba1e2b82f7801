"""A child process's output, read line by line, for tests and tools that wait for what it says."""

from __future__ import annotations

import queue
import subprocess
import threading
import time


class OutputLines:
    """Reads `proc`'s stdout (text mode) in a thread; `lines` holds what was consumed so far."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        if proc.stdout is None:
            raise ValueError("the process needs stdout=subprocess.PIPE and text=True")
        self.proc = proc
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, prefix: str, timeout: float) -> str:
        """The next line that starts with `prefix`; AssertionError with the output so far if the
        process ends or `timeout` passes first."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {prefix!r} line:\n" + "\n".join(self.lines)) from None
            if line is None:
                raise AssertionError(
                    f"exited ({self.proc.wait()}) before {prefix!r}:\n" + "\n".join(self.lines)
                )
            self.lines.append(line)
            if line.startswith(prefix):
                return line

    def drain(self, timeout: float = 10) -> None:
        """Reads the rest of the output, once the process is ending."""
        while (line := self._queue.get(timeout=timeout)) is not None:
            self.lines.append(line)
