"""A real peer binary (Prometheus, Alertmanager) run for a test: started with its output in a log
file, waited for until its readiness URL answers 200, and stopped (SIGTERM, then SIGKILL)."""

from __future__ import annotations

import contextlib
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


class PeerError(RuntimeError):
    pass


@dataclass
class PeerProcess:
    command: list[str]
    ready_url: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self, timeout_s: float = 60.0) -> PeerProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + timeout_s
        while not self._ready():
            if self.process.poll() is not None:
                raise PeerError(f"{self.command[0]} exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise PeerError(f"{self.command[0]} not ready after {timeout_s:.0f}s:\n{self.log_tail()}")
            time.sleep(0.2)
        return self

    def _ready(self) -> bool:
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(self.ready_url, timeout=2) as answer,
        ):
            return bool(answer.status == 200)
        return False

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def __enter__(self) -> PeerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
