# The subset of workerd's jsg/modules.capnp needed to write a Pyodide bundle.
# The file id must match workerd's so the encoded message is read as its Bundle.
@0xc8cbb234694939d5;

struct Bundle {
  modules @0 :List(Module);
}

struct Module {
  name @0 :Text;
  union {
    src @1 :Data;
    wasm @4 :Data;
    data @5 :Data;
    json @6 :Text;
  }
  tsDeclaration @3 :Text;
  type @2 :ModuleType;
  compileCache @7 :Data;
}

enum ModuleType {
  bundle @0;
  builtin @1;
  internal @2;
}
