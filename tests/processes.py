"""Waiting for a server a test (or a benchmark) started: until its health address answers 200."""

from __future__ import annotations

import subprocess
import time
import urllib.request


def wait_until_up(process: subprocess.Popen, health_url: str, timeout: float, what: str) -> None:
    """Poll `health_url` until it answers 200; raise RuntimeError with the process's output if the process
    exits or `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
                process.wait()
            output = "".join(stream.read() for stream in (process.stdout, process.stderr) if stream)
            raise RuntimeError(f"{what} did not start: {output[-3000:]}")
        time.sleep(0.2)
