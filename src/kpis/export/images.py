"""Static chart images (PNG/SVG/PDF) through kaleido and the system Chromium.

One export browser per process, started on first use and stopped at exit. Calls are
serialised by a lock: kaleido's shared server returns the wrong image to concurrent callers.
"""

from __future__ import annotations

import atexit
import os
import shutil
import threading
from pathlib import Path

import plotly.graph_objects as go

from kpis.errors import KpiError
from kpis.escaping import xml_text

__all__ = ["BOARD_HEIGHT", "BOARD_WIDTH", "FORMATS", "ExportUnavailable", "chrome_path", "figure_bytes"]

BOARD_WIDTH, BOARD_HEIGHT = 1600, 900  # 16:9, the board deck's shape
FORMATS = ("png", "svg", "pdf")
_LOCK = threading.Lock()
_STARTED = False
_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


class ExportUnavailable(KpiError):
    """No Chrome/Chromium to render static images with."""


def chrome_path() -> str | None:
    """BROWSER_PATH if set, else the first Chromium/Chrome found on this machine."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and Path(configured).exists():
        return configured
    for candidate in _CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("google-chrome")


def _stop() -> None:
    global _STARTED
    if _STARTED:
        import kaleido

        kaleido.stop_sync_server(silence_warnings=True)
        _STARTED = False


def _ensure_started() -> None:
    global _STARTED
    if _STARTED:
        return
    path = chrome_path()
    if path is None:
        raise ExportUnavailable(
            "Chart images need Chrome or Chromium, and none is installed. Install it "
            "(Debian/Ubuntu: `sudo apt-get install chromium`) or set BROWSER_PATH to a Chrome binary. "
            "Meanwhile the camera icon on each chart still downloads a PNG from your browser.")
    os.environ.setdefault("BROWSER_PATH", path)
    import kaleido

    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    _STARTED = True
    atexit.register(_stop)


def figure_bytes(figure: go.Figure, fmt: str = "png", *, width: int = BOARD_WIDTH, height: int = BOARD_HEIGHT,
                 scale: float | None = None) -> bytes:
    """Render a figure; PNG at 2x scale by default (crisp on a projector), SVG/PDF as vectors."""
    if fmt not in FORMATS:
        raise KpiError.keyed("error.image_format", fmt=fmt, known=", ".join(FORMATS))
    import kaleido

    options = {"format": fmt, "width": width, "height": height, "scale": scale or (2 if fmt == "png" else 1)}
    figure = go.Figure(_xml_safe(figure.to_plotly_json()))  # one stored name with a control character never
    with _LOCK:                                               # breaks the image (SVG and PDF are XML inside)
        _ensure_started()
        return kaleido.calc_fig_sync(figure, opts=options)


def _xml_safe(value):
    """Every string of a figure's JSON as text XML can hold."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {k: _xml_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_xml_safe(v) for v in value)
    return value


def stop_shared() -> None:
    """Stop the shared export browser (the next figure_bytes starts it again)."""
    with _LOCK:
        _stop()


def oneshot_bytes(figure: go.Figure, fmt: str = "png") -> bytes:
    """The slow path (a fresh browser per call), for the benchmark's comparison only. Call it with
    the shared browser stopped (stop_shared): while it runs, kaleido would hand the call to it."""
    import kaleido

    if chrome_path() is None:
        raise ExportUnavailable("No Chrome/Chromium installed.")
    os.environ.setdefault("BROWSER_PATH", chrome_path() or "")
    with _LOCK:
        if _STARTED:
            raise RuntimeError("stop the shared export browser first (images.stop_shared())")
        return kaleido.calc_fig_sync(figure, opts={"format": fmt, "width": BOARD_WIDTH, "height": BOARD_HEIGHT,
                                                   "scale": 2 if fmt == "png" else 1},
                                     kopts={"mathjax": False})
