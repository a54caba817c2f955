"""Which stack frames are the application's own (``in_app``), as Sentry's Python SDK decides.

A frame whose module starts with an ``in_app_exclude`` prefix is not in app; one starting with an
``in_app_include`` prefix is (include wins over the path rules below). Otherwise a frame is in
app unless its file lies in an installed library (``site-packages``, ``dist-packages``, a Worker's
vendored ``python_modules``) or in the standard library. A prefix matches whole dotted names:
``shop`` matches ``shop`` and ``shop.cart`` but not ``shopping``.
"""

from __future__ import annotations

import sysconfig
from dataclasses import dataclass

LIBRARY_MARKERS = ("/site-packages/", "/dist-packages/", "/python_modules/")


def _stdlib_prefixes() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    found = {paths.get(key) for key in ("stdlib", "platstdlib")}
    return tuple(sorted(p.rstrip("/") + "/" for p in found if p))


def _matches(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


@dataclass(frozen=True)
class InAppRules:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    stdlib: tuple[str, ...] = ()

    @classmethod
    def of(cls, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> InAppRules:
        return cls(tuple(include), tuple(exclude), _stdlib_prefixes())

    def in_app(self, module: str | None, abs_path: str | None) -> bool:
        if module and _matches(module, self.exclude):
            return False
        if module and _matches(module, self.include):
            return True
        path = (abs_path or "").replace("\\", "/")
        if not path or path.startswith("<"):  # <frozen ...>, <string>: not a file of ours
            return False
        if any(marker in path for marker in LIBRARY_MARKERS):
            return False
        return not any(path.startswith(prefix) for prefix in self.stdlib)
