/**
 * No runtime import cycle in the shipped code (provider, emulator, harness, bin). It reads the compiled
 * JavaScript next to this test: TypeScript drops type-only imports there, so every `require("./…")` left is an
 * import that runs, and a cycle among them is one module seeing another half-loaded.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const DIST = path.resolve(__dirname, "..");
const ROOTS = ["provider", "emulator", "harness", "bin"];

function jsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? jsFiles(p) : p.endsWith(".js") ? [p] : [];
  });
}

/** The project files a compiled file requires with a literal relative path. */
function requires(file: string): string[] {
  const out: string[] = [];
  for (const m of fs.readFileSync(file, "utf8").matchAll(/\brequire\("(\.[^"]*)"\)/g)) {
    const base = path.resolve(path.dirname(file), m[1]);
    const hit = [base, `${base}.js`, path.join(base, "index.js")].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    if (hit) out.push(hit);
  }
  return out;
}

/** Every cycle a depth-first walk meets, as `a -> b -> a` (paths relative to dist/). */
export function importCycles(files: string[]): string[] {
  const edges = new Map(files.map((f) => [f, requires(f)]));
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (n: string): void => {
    state.set(n, "open");
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (!edges.has(m)) continue;
      if (state.get(m) === "open") cycles.push([...stack.slice(stack.indexOf(m)), m].map((x) => path.relative(DIST, x)).join(" -> "));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

test("the compiled provider, emulator, harness and bin have no runtime import cycle", () => {
  const files = ROOTS.flatMap((r) => jsFiles(path.join(DIST, r)));
  assert.ok(files.some((f) => f.endsWith(path.join("provider", "resource", "version-room.js"))), "the compiled provider is where this test looks");
  assert.deepEqual(importCycles(files), []);
});

test("the walk finds a cycle when there is one", () => {
  const dir = fs.mkdtempSync(path.join(DIST, "tests", "cycle-probe-"));
  try {
    fs.writeFileSync(path.join(dir, "a.js"), 'const b = require("./b");\n');
    fs.writeFileSync(path.join(dir, "b.js"), 'const a = require("./a.js");\n');
    fs.writeFileSync(path.join(dir, "c.js"), 'const b = require("./b");\n');
    const cycles = importCycles(["a.js", "b.js", "c.js"].map((f) => path.join(dir, f)));
    assert.equal(cycles.length, 1);
    assert.match(cycles[0], /a\.js -> .*b\.js -> .*a\.js$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
