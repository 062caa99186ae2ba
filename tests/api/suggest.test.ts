import assert from "node:assert/strict";
import { test } from "node:test";
import { RUNTIMES } from "../../provider/api/constraints";
import { ARG_NAMES } from "../../provider/api/property-derivations";
import { assertKnownArgs, closest, closestValues, editDistance, notOneOf } from "../../provider/api/suggest";
import { Function as FgsFunction } from "../../provider/resource/function";

test("edit distance counts a swap of neighbours once", () => {
  assert.equal(editDistance("timeout", "timout"), 1);
  assert.equal(editDistance("handler", "hadnler"), 1);
  assert.equal(editDistance("abc", "abc"), 0);
});

test("typos of argument names suggest the valid ones; unrelated names suggest nothing", () => {
  assert.deepEqual(closest("timout", ARG_NAMES), ["timeout"]);
  assert.deepEqual(closest("memorysize", ARG_NAMES)[0], "memorySize");
  assert.deepEqual(closest("zzzzzzzzzzzz", ARG_NAMES), []);
});

test("runtimes: a shorthand suggests the full name", () => {
  assert.deepEqual(closestValues("nodejs20", RUNTIMES), ["Node.js20.15"]);
  assert.deepEqual(closestValues("python3.12", RUNTIMES), ["Python3.12"]);
  assert.match(notOneOf("nodejs20", RUNTIMES), /'nodejs20' is not valid: did you mean 'Node.js20.15'\?/);
  assert.match(notOneOf(undefined, RUNTIMES), /^required: one of Java8/);
});

test("fgs.Function refuses an unknown argument name, naming the nearest valid one (JavaScript callers too)", () => {
  const args = { sourceDir: "./app", runtime: "Node.js20.15", handler: "index.handler", timout: 10 } as unknown as ConstructorParameters<typeof FgsFunction>[1];
  assert.throws(() => new FgsFunction("typo", args), /fgs\.Function 'typo': unknown argument 'timout': did you mean 'timeout'\?/);
  assert.throws(() => assertKnownArgs("x", { qqqqqqqqqqqq: 1 }, ["a", "b"]), /unknown argument 'qqqqqqqqqqqq': valid arguments: a, b/);
});
