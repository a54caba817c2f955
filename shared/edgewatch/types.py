from __future__ import annotations

from typing import Any, Union

JSONScalar = Union[str, int, float, bool, None]
JSONValue = Any
JSONObject = dict[str, Any]
Millis = int
