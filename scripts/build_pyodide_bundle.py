"""Build workerd's dev-slot Pyodide bundle from the npm `pyodide` package.

workerd downloads its Pyodide bundle from the internet at start-up. The `dev`
slot (`pyodide_dev.capnp.bin`) is never downloaded and not integrity-pinned, so
a bundle built here from the npm package lets the real runtime run offline.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

BUNDLE_NAME = "pyodide_dev.capnp.bin"
PREFIX = "pyodideRuntime-internal:"

_THROW = '(()=>{throw new Error("eval is not available in workerd")})()'

_LOAD_LIB_DATA = (
    "function loadLibData(){"
    "return flags.loadAsync"
    "?Promise.resolve(patchedLoadLibData(Module,libName,flags.rpath))"
    ":patchedLoadLibData(Module,libName,flags.rpath)}"
    "function __originalLoadLibDataUnused(){"
)

_EXPORT = (
    "import { addEventListener, getRandomValues, location, monotonicDateNow, "
    "newWasmModule, patchedApplyFunc, patchedLoadLibData, wasmInstantiate, "
    'patched_PyEM_CountFuncParams } from "pyodide-internal:builtin_wrappers";\n'
    "export default _createPyodideModule;\n"
    "export { _createPyodideModule };"
)

# Literal replace-all substitutions, in order (workerd's interface to Pyodide).
SUBSTITUTIONS: list[tuple[str, str]] = [
    ("new WebAssembly.Module", "newWasmModule"),
    ("WebAssembly.instantiate", "wasmInstantiate"),
    ("Date.now", "monotonicDateNow"),
    ("crypto.getRandomValues(", "getRandomValues(Module, "),
    ("eval(func)", _THROW),
    ("eval(data)", _THROW),
    ("eval(UTF8ToString(ptr))", _THROW),
    ("function loadLibData(){", _LOAD_LIB_DATA),
    ("getMemory(", "Module.getMemoryPatched(Module, libName, "),
    ("export default _createPyodideModule;", _EXPORT),
]


class BundleError(RuntimeError):
    pass


def patch_asm(source: str) -> str:
    for find, replace in SUBSTITUTIONS:
        if find not in source:
            raise BundleError(
                f"pyodide.asm.mjs no longer contains {find!r}: the pinned pyodide "
                "package and workerd disagree; update scripts/build_pyodide_bundle.py"
            )
        source = source.replace(find, replace)
    return source


def build(pyodide_dir: Path, out_dir: Path) -> Path:
    import capnp

    schema = capnp.load(str(Path(__file__).with_name("pyodide_bundle.capnp")))
    files = {
        "asm": pyodide_dir / "pyodide.asm.mjs",
        "wasm": pyodide_dir / "pyodide.asm.wasm",
        "stdlib": pyodide_dir / "python_stdlib.zip",
    }
    for path in files.values():
        if not path.is_file():
            raise BundleError(f"missing {path}: run `npm ci` first")
    asm = patch_asm(files["asm"].read_text(encoding="utf-8"))

    bundle = schema.Bundle.new_message()
    modules = bundle.init("modules", 3)
    modules[0].name = PREFIX + "pyodide.asm"
    modules[0].src = asm.encode("utf-8")
    modules[0].type = "internal"
    modules[1].name = PREFIX + "pyodide.asm.wasm"
    modules[1].wasm = files["wasm"].read_bytes()
    modules[1].type = "internal"
    modules[2].name = PREFIX + "python_stdlib.zip"
    modules[2].data = files["stdlib"].read_bytes()
    modules[2].type = "internal"

    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / BUNDLE_NAME
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(bundle.to_bytes())
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pyodide-dir", type=Path, default=Path("node_modules/pyodide"))
    parser.add_argument("--out-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    version = json.loads((args.pyodide_dir / "package.json").read_text())["version"]
    try:
        out = build(args.pyodide_dir, args.out_dir)
    except BundleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    digest = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
    print(f"built {out} from pyodide {version} ({out.stat().st_size} bytes, sha256 {digest}...)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
