/**
 * Decompression and size bombs against the emulator: every archive it reads (`PUT …/code`, the import package,
 * the YAML and the code zip inside it, the admin surface) is refused with the documented error before it is
 * inflated, and the emulator's peak memory (a child process, VmHWM) stays bounded while it is fed gigabytes of
 * declared content. The bound checks themselves are property-tested against a model.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import fc from "fast-check";
import { ZipError } from "../../emulator/zip/error";
import { checkDeclaredEntries, type ArchiveLimits, type DeclaredEntry } from "../../emulator/zip/limits";
import { readZip } from "../../emulator/zip/reader";
import type { EmulatorHandle } from "../../emulator";
import { codeZip, functionYaml, rawRequest, signedRequest, signHeaders } from "../emulator/helpers";
import { startChildEmulator, type ChildEmulator } from "./child-emulator";
import { craftZip, declaredOnlyEntry, deflatedEntry, storedEntry, zerosEntry } from "./zip-craft";

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

describe("archive bounds: the check matches its model (property)", () => {
  const limitsArb = fc.record({
    maxEntries: fc.integer({ min: 1, max: 20 }),
    maxEntryBytes: fc.integer({ min: 1, max: 5000 }),
    maxTotalBytes: fc.integer({ min: 1, max: 20000 }),
    maxRatio: fc.integer({ min: 1, max: 50 }),
    ratioFloorBytes: fc.integer({ min: 0, max: 2000 }),
  });
  const entryArb = fc.record({
    name: fc.string({ minLength: 1, maxLength: 8 }),
    compressedSize: fc.integer({ min: 0, max: 3000 }),
    uncompressedSize: fc.integer({ min: 0, max: 6000 }),
  });

  function model(entries: DeclaredEntry[], archiveBytes: number, l: ArchiveLimits): boolean {
    if (entries.length > l.maxEntries) return false;
    const total = entries.reduce((n, e) => n + e.uncompressedSize, 0);
    if (total > l.maxTotalBytes) return false;
    for (const e of entries) {
      if (e.uncompressedSize > l.maxEntryBytes) return false;
      if (e.uncompressedSize > l.ratioFloorBytes && e.uncompressedSize / Math.max(1, e.compressedSize) > l.maxRatio) return false;
    }
    return !(total > l.ratioFloorBytes && total / Math.max(1, archiveBytes) > l.maxRatio);
  }

  it("accepts exactly the archives within every bound", () => {
    fc.assert(fc.property(fc.array(entryArb, { maxLength: 25 }), fc.integer({ min: 0, max: 100000 }), limitsArb, (entries, archiveBytes, limits) => {
      let accepted = true;
      try {
        checkDeclaredEntries(entries, archiveBytes, limits);
      } catch (err) {
        assert.ok(err instanceof ZipError && err.code === "ZIP_LIMIT");
        accepted = false;
      }
      assert.equal(accepted, model(entries, archiveBytes, limits));
    }), { numRuns: 2000 });
  });

  it("readZip on real archives: refuses over a bound before inflating, else returns the content it was asked for", async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom("stored", "deflated"), fc.uint8Array({ maxLength: 3000 })), { minLength: 1, maxLength: 12 }),
      limitsArb,
      async (files, limits) => {
        const entries = files.map(([kind, data], i) => (kind === "stored" ? storedEntry : deflatedEntry)(`f${i}`, Buffer.from(data)));
        const zip = craftZip(entries);
        const declared = entries.map((e) => ({ name: e.name, compressedSize: e.body.length, uncompressedSize: e.declaredSize }));
        try {
          const read = await readZip(zip, () => true, { limits });
          assert.ok(model(declared, zip.length, limits), "accepted an archive over a bound");
          read.forEach((r, i) => assert.deepEqual(r.data, Buffer.from(files[i][1])));
        } catch (err) {
          assert.ok(err instanceof ZipError && err.code === "ZIP_LIMIT", `unexpected ${String(err)}`);
          assert.ok(!model(declared, zip.length, limits), "refused an archive within every bound");
        }
      },
    ), { numRuns: 200 });
  });

  it("an entry that inflates past what it declares is stopped (a lying bomb), not inflated to the end", async () => {
    const zip = craftZip([zerosEntry("liar.bin", 64, 1000)]);
    await assert.rejects(readZip(zip, () => true), (e: unknown) => e instanceof ZipError && e.code === "ZIP_INVALID" && /^liar\.bin: invalid deflate data \(Cannot create a Buffer larger than 1001 bytes\)$/.test(e.message));
  });
});

/** Sends a signed request whose body is `body`, without holding anything but it. */
function putCode(emu: EmulatorHandle, urn: string, zip: Buffer) {
  return signedRequest(emu, "PUT", `/${urn}/code`, { body: { code_type: "zip", code_filename: "code.zip", func_code: { file: zip.toString("base64") } } });
}

function importPkg(emu: EmulatorHandle, name: string, pkg: Buffer) {
  return signedRequest(emu, "POST", "/import", { body: { func_name: name, file_name: `${name}.zip`, file_type: "zip", file_code: pkg.toString("base64") } });
}

describe("archive bombs through every route of a running emulator (child process, peak memory measured)", () => {
  let child: ChildEmulator;
  let emu: EmulatorHandle;
  before(async () => {
    child = await startChildEmulator();
    emu = child.handle as EmulatorHandle;
    const seeded = await rawRequest(emu.url, "POST", "/__admin/functions", { "Content-Type": "application/json", "X-Fgs-Admin": child.adminToken },
      JSON.stringify({ func_name: "target" }));
    assert.equal(seeded.status, 200);
  });
  after(() => child.stop());

  let cached: Array<[string, Buffer, RegExp]> | undefined;
  const bombs = (): Array<[string, Buffer, RegExp]> => (cached ??= [
    // 1 MiB-ish of deflate that inflates to 2 GiB (honest headers): refused on the ratio and the size.
    ["2 GiB of zeros in one entry", craftZip([zerosEntry("zeros.bin", 2048)]), /inflates/],
    // Plausible ratio, too much in total: never inflated, so the bytes need not even be deflate.
    ["two 0.9 GiB entries", craftZip([declaredOnlyEntry("a.bin", 0.9 * GIB, 6 * MIB), declaredOnlyEntry("b.bin", 0.9 * GIB, 6 * MIB)]), /more than 1610612736/],
    ["a 1.6 GiB entry", craftZip([declaredOnlyEntry("big.bin", 1.6 * GIB, 9 * MIB)]), /more than 1610612736/],
    ["100,001 entries", craftZip([storedEntry("a.txt", "a")], { forceEntryCount: 100_001 }), /100001 entries/],
    // The overlapping-entry kind: many entries, each plausible, the whole far beyond the archive's size.
    ["200 entries of 8 MiB over one shared 1 MiB body", craftZip(Array.from({ length: 200 }, (_, i) => declaredOnlyEntry(`o${i}`, 8 * MIB, 0)).concat([declaredOnlyEntry("shared", 0, MIB)])), /inflates/],
  ]);

  it("PUT …/code: 413 FSS.1071 before inflating", async () => {
    for (const [what, zip, why] of bombs()) {
      const r = await putCode(emu, "target", zip);
      assert.equal(r.status, 413, `${what}: ${r.body}`);
      assert.equal(r.json().error_code, "FSS.1071", what);
      assert.match(String(r.json().error_msg), why, what);
    }
  });

  it("import: a bomb as the package, as the code zip inside it, or as its YAML is 400 FSS.1023", async () => {
    const yaml = functionYaml("imp");
    for (const [what, zip] of bombs()) {
      const asCode = craftZip([storedEntry("imp.yaml", yaml), storedEntry("code.zip", zip)]);
      const r = await importPkg(emu, "imp", asCode);
      assert.equal(r.json().error_code, "FSS.1023", `code zip ${what}: ${r.body}`);
    }
    const asPackage = craftZip([storedEntry("imp.yaml", yaml), zerosEntry("junk.bin", 512)]);
    assert.equal((await importPkg(emu, "imp", asPackage)).json().error_code, "FSS.1023");
    const bigYaml = craftZip([zerosEntry("imp.yaml", 8), storedEntry("code.zip", await codeZip())]);
    const ry = await importPkg(emu, "imp", bigYaml);
    assert.equal(ry.json().error_code, "FSS.1023");
    assert.match(String(ry.json().error_msg), /imp\.yaml/);
  });

  it("import: YAML alias expansion (billion laughs) is 400 FSS.1025", async () => {
    const lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
    const laughs = `${lines.join("\n")}\n${functionYaml("laugh")}`;
    const r = await importPkg(emu, "laugh", craftZip([storedEntry("laugh.yaml", laughs), storedEntry("code.zip", await codeZip())]));
    assert.equal(r.json().error_code, "FSS.1025", r.body.toString());
    assert.match(String(r.json().error_msg), /alias/i);
  });

  it("admin PUT code: refused the same way", async () => {
    for (const [what, zip] of bombs()) {
      const r = await rawRequest(emu.url, "PUT", "/__admin/functions/target/code", { "Content-Type": "application/json", "X-Fgs-Admin": child.adminToken },
        JSON.stringify({ file: zip.toString("base64") }));
      assert.equal(r.json().error_code, "FSS.1071", what);
    }
  });

  it("a lying bomb (declares 1 KB, inflates to 512 MiB) is 400 FSS.1011, stopped at what it declared", async () => {
    const r = await putCode(emu, "target", craftZip([zerosEntry("liar.bin", 512, 1000)]));
    assert.equal(r.json().error_code, "FSS.1011");
  });

  it("a 2 GiB code upload is refused from its Content-Length, before a byte of the body is read", async () => {
    const path = `/v2/${emu.projectId}/fgs/functions/target/code`;
    const headers = signHeaders({ method: "PUT", path, ak: emu.credentials.accessKey, sk: emu.credentials.secretKey,
      headers: { "Content-Type": "application/json", Host: new URL(emu.url).host } });
    const declared = Math.ceil((2 * GIB * 4) / 3) + 100;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(emu.url);
      const req = http.request({ host: u.hostname, port: u.port, method: "PUT", path, agent: false,
        headers: { ...headers, "Content-Length": String(declared) } }, (res) => {
        let b = "";
        res.on("data", (c) => (b += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: b }));
      });
      req.on("error", reject);
      req.write("{\"code_type\":\"zip\""); // and nothing more: the answer must come without the rest
    });
    assert.equal(answer.status, 413);
    assert.equal(JSON.parse(answer.body).error_code, "FSS.1071");
  });

  it("the emulator's peak memory stayed bounded through all of it", (t) => {
    const peak = child.peakRssBytes();
    if (peak === undefined) return; // not Linux
    t.diagnostic(`emulator peak RSS: ${Math.round(peak / MIB)} MiB`);
    // Gigabytes were declared; a bounded reader holds the request (≤ 16 MiB of Base64 here, a few copies of it while it is decoded) and one inflate window.
    assert.ok(peak < 400 * MIB, `peak RSS ${Math.round(peak / MIB)} MiB`);
  });
});
