from __future__ import annotations

from pathlib import Path

import pytest

from scripts.build_pyodide_bundle import SUBSTITUTIONS, BundleError, patch_asm

# A stand-in for pyodide.asm.mjs holding each string workerd's interface replaces, some twice.
SYNTHETIC = "\n".join(
    [
        "var Module = {};",
        "function instantiate(bytes){ const m = new WebAssembly.Module(bytes); return WebAssembly.instantiate(m); }",
        "function again(b){ return new WebAssembly.Module(b); }",
        "var t0 = Date.now(); var t1 = Date.now();",
        "crypto.getRandomValues(buffer);",
        "function f(func){ return eval(func); }",
        "function g(data){ return eval(data); }",
        "function h(ptr){ return eval(UTF8ToString(ptr)); }",
        "function loadLibData(){ return 1 }",
        "var mem = getMemory(size);",
        "export default _createPyodideModule;",
    ]
)


def test_synthetic_source_holds_every_find() -> None:
    for find, _ in SUBSTITUTIONS:
        assert find in SYNTHETIC, find


def test_patch_applies_every_substitution() -> None:
    patched = patch_asm(SYNTHETIC)
    replacements = [replace for _, replace in SUBSTITUTIONS]
    for find, replace in SUBSTITUTIONS:
        assert replace in patched, replace
        # Every occurrence is replaced, unless the replacement itself keeps the find string.
        if not any(find in r for r in replacements):
            assert find not in patched, find


@pytest.mark.parametrize(
    ("gone", "present"),
    [
        ("new WebAssembly.Module(", "newWasmModule(bytes)"),
        ("WebAssembly.instantiate", "return wasmInstantiate(m)"),
        ("Date.now()", "var t0 = monotonicDateNow(); var t1 = monotonicDateNow();"),
        ("crypto.getRandomValues", "getRandomValues(Module, buffer);"),
        ("eval(func)", 'return (()=>{throw new Error("eval is not available in workerd")})();'),
        ("eval(data)", "function g(data){ return (()=>{throw"),
        ("eval(UTF8ToString(ptr))", "function h(ptr){ return (()=>{throw"),
        ("getMemory(size)", "Module.getMemoryPatched(Module, libName, size)"),
        ("function loadLibData(){ return 1 }", "function __originalLoadLibDataUnused(){ return 1 }"),
    ],
)
def test_patched_text(gone: str, present: str) -> None:
    patched = patch_asm(SYNTHETIC)
    assert gone not in patched
    assert present in patched


def test_every_occurrence_is_replaced() -> None:
    patched = patch_asm(SYNTHETIC)
    assert patched.count("newWasmModule(") == 2
    assert patched.count("monotonicDateNow()") == 2


def test_load_lib_data_is_rerouted_and_export_keeps_its_name() -> None:
    patched = patch_asm(SYNTHETIC)
    assert patched.count("function loadLibData(){") == 1
    assert "patchedLoadLibData(Module,libName,flags.rpath)" in patched
    assert 'from "pyodide-internal:builtin_wrappers";' in patched
    assert patched.endswith("export default _createPyodideModule;\nexport { _createPyodideModule };")


def test_untouched_text_is_kept() -> None:
    patched = patch_asm(SYNTHETIC)
    assert patched.startswith("var Module = {};\n")


@pytest.mark.parametrize("find", [find for find, _ in SUBSTITUTIONS])
def test_missing_string_raises_bundle_error_naming_it(find: str) -> None:
    source = SYNTHETIC.replace(find, "")
    with pytest.raises(BundleError) as info:
        patch_asm(source)
    assert repr(find) in str(info.value)
    assert "pyodide.asm.mjs no longer contains" in str(info.value)


def test_patching_twice_is_refused() -> None:
    # An already patched file no longer has the originals: the builder must start from the npm file.
    with pytest.raises(BundleError, match=r"new WebAssembly\.Module"):
        patch_asm(patch_asm(SYNTHETIC))


NPM_ASM = Path(__file__).resolve().parents[2] / "node_modules" / "pyodide" / "pyodide.asm.mjs"


def test_pinned_npm_package_patches_cleanly() -> None:
    if not NPM_ASM.is_file():
        pytest.skip("node_modules/pyodide is not installed (npm ci)")
    patched = patch_asm(NPM_ASM.read_text(encoding="utf-8"))
    for needle in ("new WebAssembly.Module", "WebAssembly.instantiate", "Date.now", "eval(func)", "getMemory("):
        assert needle not in patched
