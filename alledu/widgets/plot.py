"""Plotly FigureWidget, with its JavaScript served as a cached file under `alledu serve`.

Why: plotly 7's FigureWidget is an anywidget whose 5 MB JavaScript bundle normally travels
inside the widget's state through the kernel websocket, for every figure on every page load
(docs/performance.md). Under `alledu serve` the server also offers that bundle as a static
file; the widget's module is then a few lines that import it by URL, so a browser fetches it
once and revalidates it afterwards. In JupyterLab (no ALLEDU_PLOTLY_BUNDLE) nothing changes.
"""

from __future__ import annotations

import json
import os
from typing import Any

import plotly.graph_objects as go

BUNDLE_ENV = "ALLEDU_PLOTLY_BUNDLE"  # path below the server's base URL, set by `alledu serve`

LOADER = """
const config = JSON.parse(document.getElementById("jupyter-config-data")?.textContent || "{}");
const base = config.baseUrl || "/";
const bundle = await import(new URL(base + %s, window.location.origin).href);
export default bundle.default;
"""


class ServedFigureWidget(go.FigureWidget):
    """A FigureWidget whose front-end module is fetched from the serving host."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._esm = LOADER % json.dumps(os.environ[BUNDLE_ENV])
        super().__init__(*args, **kwargs)


def figure_widget(**kwargs: Any) -> go.FigureWidget:
    """A FigureWidget: the served variant under `alledu serve`, plotly's own elsewhere."""
    cls = ServedFigureWidget if os.environ.get(BUNDLE_ENV) else go.FigureWidget
    return cls(**kwargs)
