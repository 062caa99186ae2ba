/**
 * `classifyNetworkFailure` still classifies after Pulumi's function serializer captured it (module constants are
 * captured by value: a Set became a plain object and every network failure surfaced as a TypeError).
 */
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { classifyNetworkFailure } from "../../provider/api/network-failure";

test("a serialized classifyNetworkFailure classifies resets, refusals and timeouts", async (t) => {
  const serialized = await pulumi.runtime.serializeFunction(() => classifyNetworkFailure);
  const file = join(__dirname, `.serialized-classify-${process.pid}.js`);
  writeFileSync(file, serialized.text);
  t.after(() => rmSync(file, { force: true }));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const classify = (require(file)[serialized.exportName] as () => typeof classifyNetworkFailure)();
  const err = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(classify(err("ECONNRESET")).kind, "reset");
  assert.equal(classify(Object.assign(new Error("fetch failed"), { cause: err("ECONNREFUSED") })).kind, "unreachable");
  assert.equal(classify(err("UND_ERR_HEADERS_TIMEOUT")).kind, "timeout");
  assert.equal(classify(err("EWHATEVER")).kind, "other");
});
