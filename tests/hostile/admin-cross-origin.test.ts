/**
 * The admin surface refuses what a web page in the user's browser can send: cross-origin requests (any
 * `Origin`, a cross-site `Sec-Fetch-Site`), DNS-rebinding requests (a non-loopback `Host`), and writes without
 * this run's token in the custom header `X-Fgs-Admin` (which a page cannot add without a CORS preflight, and
 * does not know). Nothing it refuses changes anything.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { startEmulator, type EmulatorHandle } from "../../emulator";
import { rawRequest } from "../emulator/helpers";

describe("admin surface vs. browsers", () => {
  let emu: EmulatorHandle;
  before(async () => {
    emu = await startEmulator();
  });
  after(() => emu.close());

  const admin = () => ({ "X-Fgs-Admin": emu.adminToken });

  async function assertRefused(method: string, path: string, headers: Record<string, string>, body?: string): Promise<void> {
    await emu.seedFunction({ func_name: "keep" }).catch(() => undefined);
    const r = await rawRequest(emu.url, method, path, headers, body);
    assert.equal(r.status, 403, `${method} ${path} ${JSON.stringify(headers)}: ${r.body}`);
    assert.equal(r.json().error_code, "ADMIN.0403");
    assert.deepEqual(emu.functions().map((f) => f.func_name), ["keep"], "a refused request changed nothing");
  }

  it("the browser's simple text/plain POST /__admin/reset (no preflight) is refused", async () => {
    await assertRefused("POST", "/__admin/reset", { "Content-Type": "text/plain", Origin: "https://evil.example" }, "x");
    await assertRefused("POST", "/__admin/reset", { "Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site" }, "x");
    // Without Origin (some browsers omit it on form posts) the missing token header still refuses it.
    await assertRefused("POST", "/__admin/reset", { "Content-Type": "text/plain" }, "x");
  });

  it("any Origin is refused, on reads and writes, even with the custom header (property)", async () => {
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.webUrl(), fc.constant("null"), fc.string({ minLength: 1, maxLength: 30 }).filter((s) => /^[\x21-\x7e]+$/.test(s))),
      fc.constantFrom("GET /__admin/requests", "POST /__admin/reset", "DELETE /__admin/faults", "PUT /__admin/faults"),
      async (origin, route) => {
        const [method, path] = route.split(" ");
        await assertRefused(method, path, { Origin: origin, ...admin(), "Content-Type": "application/json" }, method === "GET" ? undefined : '{"spec":"503=1"}');
      },
    ), { numRuns: 60 });
    assert.equal(emu.faults().spec, "", "no fault was set by a refused request");
  });

  it("a DNS-rebinding Host is refused; loopback hosts and localhost are accepted", async () => {
    await assertRefused("GET", "/__admin/requests", { Host: "attacker.example:80" });
    await assertRefused("POST", "/__admin/reset", { Host: "rebind.attacker.example", ...admin() });
    for (const host of [new URL(emu.url).host, `localhost:${new URL(emu.url).port}`]) {
      const r = await rawRequest(emu.url, "GET", "/__admin/health", { Host: host, ...admin() });
      assert.equal(r.status, 200, host);
    }
  });

  it("the CLI's way (the token header, no Origin) works", async () => {
    await emu.seedFunction({ func_name: "gone" });
    const r = await rawRequest(emu.url, "POST", "/__admin/reset", admin());
    assert.equal(r.status, 204);
    assert.deepEqual(emu.functions(), []);
  });
});
