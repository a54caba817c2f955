// Stack frames from Error.prototype.stack, without source maps, in Sentry's order (outermost
// first, the frame that threw last). Two formats exist in browsers:
//   Chrome/Edge (V8):   "    at parseOrder (https://app.example/main.js:10:5)"
//                       "    at async https://app.example/main.js:20:3"
//   Firefox and Safari: "parseOrder@https://app.example/main.js:10:5"
//                       "render/<@https://app.example/main.js line 2 > eval:1:5"

const MAX_FRAMES = 50;
const V8_LINE = /^\s*at\s+(.*?)\s*$/;
const LOCATION = /^(.*?):(\d+)(?::(\d+))?$/;

function location(text) {
  let where = text.trim();
  const evalAt = /^eval at .*?\((.*?)\)/.exec(where); // "eval at f (url:1:2), <anonymous>:3:4"
  if (evalAt) where = evalAt[1];
  const ffEval = /^(.*?) line (\d+) > (?:eval|Function)/.exec(where); // Firefox eval
  if (ffEval) return { filename: ffEval[1], lineno: Number(ffEval[2]) };
  const found = LOCATION.exec(where);
  if (!found) return { filename: where };
  const out = { filename: found[1], lineno: Number(found[2]) };
  if (found[3] !== undefined) out.colno = Number(found[3]);
  return out;
}

function v8Frame(rest) {
  // "fn (location)" or a bare location; the function may hold spaces ("new Foo", "Object.x [as y]")
  let fn = "";
  let where = rest;
  const open = rest.indexOf(" (");
  if (rest.endsWith(")") && open > 0) {
    fn = rest.slice(0, open);
    where = rest.slice(open + 2, -1);
  }
  if (fn.startsWith("async ")) fn = fn.slice(6);
  if (where.startsWith("async ")) where = where.slice(6);
  return { function: fn || "?", ...location(where) };
}

function geckoFrame(line) {
  const at = line.indexOf("@");
  const fn = line.slice(0, at).trim();
  return { function: fn || "?", ...location(line.slice(at + 1)) };
}

/** Frames of ``stack``; ``inApp(filename)`` decides each frame's in_app flag. */
export function parseStack(stack, inApp = () => false) {
  if (typeof stack !== "string" || !stack) return [];
  const lines = stack.split("\n");
  const v8 = lines.some((l) => V8_LINE.test(l) && /^\s+at\s/.test(l));
  const frames = [];
  for (const line of lines) {
    if (frames.length >= MAX_FRAMES) break;
    let frame = null;
    if (v8) {
      const found = /^\s+at\s/.test(line) ? V8_LINE.exec(line) : null;
      if (found) frame = v8Frame(found[1]);
    } else if (line.includes("@") || /:\d+:\d+\s*$/.test(line)) {
      frame = line.includes("@") ? geckoFrame(line) : { function: "?", ...location(line) };
    }
    if (frame && frame.filename) {
      frame.in_app = Boolean(inApp(frame.filename));
      frames.push(frame);
    }
  }
  return frames.reverse();
}

/** in_app for files served from one of ``origins`` (the page's own, by default). */
export function sameOrigin(origins) {
  const prefixes = origins.filter(Boolean).map((o) => o.replace(/\/+$/, "") + "/");
  return (filename) => prefixes.some((p) => filename.startsWith(p));
}
