"""Stops child processes when the Python process ends: at exit, and on SIGTERM / SIGHUP.

Servers register a stop callback while they run. The signal handlers are installed once, only
from the main thread and only where the signal still has its default disposition (so nothing a
host application set up is replaced); after cleaning up they restore the default and re-raise the
signal, so the process still dies the way it would have.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

_lock = threading.Lock()
_callbacks: dict[int, Callable[[], None]] = {}
_next_token = 0
_installed = False


def _run_all() -> None:
    with _lock:
        callbacks = list(_callbacks.values())
        _callbacks.clear()
    for callback in reversed(callbacks):
        try:
            callback()
        except Exception:  # noqa: BLE001 - best effort while the process ends
            pass


def _on_signal(signum: int, frame: FrameType | None) -> None:
    del frame
    _run_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_once() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    atexit.register(_run_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        try:
            if signal.getsignal(signum) == signal.SIG_DFL:
                signal.signal(signum, _on_signal)
        except (ValueError, OSError):  # not the main interpreter, or unsupported
            pass


def register(callback: Callable[[], None]) -> int:
    """Runs `callback` when the process exits or is terminated; returns a token for `unregister`."""
    global _next_token
    with _lock:
        _install_once()
        _next_token += 1
        _callbacks[_next_token] = callback
        return _next_token


def unregister(token: int) -> None:
    with _lock:
        _callbacks.pop(token, None)
