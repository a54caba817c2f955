"""edgewatch: the pure core of the Pitchey observability stack.

Nothing in this package imports the Workers runtime (`workers`, `js`, `pyodide`);
it runs the same under CPython and inside a Python Worker.
"""

from __future__ import annotations

__version__ = "0.1.0"
