/**
 * The walk that checks a code zip's entries while it arrives (emulator/zip/stream-walk.ts), and how
 * `verifyZip` uses it: whatever the chunking, the same entries are walked; nothing the central directory
 * says differently is trusted; anything unusual stops the walk; no bomb is inflated before the central
 * directory is checked; and an unchanged entry compared with the last upload is still compared byte for byte.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import { crc32 } from "node:zlib";
import { ZipError } from "../../emulator/zip/error";
import { DEFAULT_ARCHIVE_LIMITS } from "../../emulator/zip/limits";
import { LocalEntryWalk, type WalkIndex } from "../../emulator/zip/stream-walk";
import { VerifiedEntries, verifyZip } from "../../emulator/zip/verify";
import { craftZip, deflatedEntry, storedEntry, zerosEntry, type CraftEntry } from "../hostile/zip-craft";

const CENTRAL_SIGNATURE = Buffer.from([0x50, 0x4b, 0x01, 0x02]);

function entries(): CraftEntry[] {
  return [
    deflatedEntry("index.js", "exports.handler = async () => 'hello';\n".repeat(50)),
    storedEntry("data/blob.bin", Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251))),
    deflatedEntry("lib/util.js", "module.exports = { n: 1 };\n".repeat(200)),
  ];
}

/** Walks `zip` fed in chunks of the given sizes (cycled), as a body arrives. */
function walk(zip: Buffer, chunks: number[], previous?: WalkIndex): LocalEntryWalk {
  const w = new LocalEntryWalk(new VerifiedEntries(), DEFAULT_ARCHIVE_LIMITS, previous);
  let available = 0;
  for (let i = 0; available < zip.length; i++) {
    available = Math.min(zip.length, available + chunks[i % chunks.length]);
    w.advance(zip, available);
  }
  return w;
}

describe("LocalEntryWalk", () => {
  it("walks every entry of a zip written in one pass, whatever the chunking, up to the central directory", () => {
    const zip = craftZip(entries());
    const whole = walk(zip, [zip.length]);
    assert.equal(whole.complete, true);
    assert.equal(whole.walked.size, 3);
    for (const chunks of [[1], [7, 13], [29, 1, 64], [4096]]) {
      const w = walk(zip, chunks);
      assert.equal(w.complete, true, `chunks ${chunks}`);
      assert.deepEqual([...w.walked.keys()], [...whole.walked.keys()], `chunks ${chunks}`);
    }
  });

  it("lets verifyZip skip the walked entries, and still refuses one whose central directory says otherwise", async () => {
    const zip = craftZip(entries());
    const w = walk(zip, [100]);
    assert.equal(await verifyZip(zip, 0, 1, undefined, DEFAULT_ARCHIVE_LIMITS, false, w.walked), 3);
    // The central directory claims another CRC-32 for the first entry than the local header the walk checked.
    const lying = Buffer.from(zip);
    const cd = lying.indexOf(CENTRAL_SIGNATURE);
    lying.writeUInt32LE((lying.readUInt32LE(cd + 16) ^ 1) >>> 0, cd + 16);
    const w2 = walk(lying, [100]);
    assert.equal(w2.walked.size, 3, "the local headers are honest");
    await assert.rejects(verifyZip(lying, 0, 1, undefined, DEFAULT_ARCHIVE_LIMITS, false, w2.walked), (e: unknown) =>
      e instanceof ZipError && e.code === "ZIP_INVALID" && /index\.js: CRC-32 mismatch/.test(e.message));
  });

  it("leaves a corrupt entry to the ordinary verification, which names it", async () => {
    const bad = deflatedEntry("broken.js", "x".repeat(5000));
    bad.crc32 = (bad.crc32 ^ 0xff) >>> 0;
    const zip = craftZip([...entries(), bad]);
    const w = walk(zip, [512]);
    assert.equal(w.complete, true);
    assert.equal(w.walked.size, 3);
    await assert.rejects(verifyZip(zip, 0, 1, undefined, DEFAULT_ARCHIVE_LIMITS, false, w.walked), /broken\.js: CRC-32 mismatch/);
  });

  it("stops at a data descriptor or at bytes that are not a local header (the rest is verified as usual)", () => {
    const zip = craftZip(entries());
    const described = Buffer.from(zip);
    const second = described.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), 4);
    described.writeUInt16LE(described.readUInt16LE(second + 6) | 0x0008, second + 6);
    const w = walk(described, [zip.length]);
    assert.equal(w.complete, false);
    assert.equal(w.walked.size, 1);
    const prefixed = Buffer.concat([Buffer.from("#!/bin/sh\n"), zip]);
    assert.equal(walk(prefixed, [zip.length]).complete, false);
  });

  it("inflates nothing the archive limits refuse: a bomb is left to the central directory check", async () => {
    const zip = craftZip([...entries(), zerosEntry("zeros.bin", 300)]); // 300 MiB from ~300 KB: over 200:1
    const w = walk(zip, [1 << 20]);
    assert.equal(w.complete, true);
    assert.equal(w.walked.size, 3, "the bomb was not inflated");
    await assert.rejects(verifyZip(zip, 0, 1, undefined, DEFAULT_ARCHIVE_LIMITS, false, w.walked), (e: unknown) => e instanceof ZipError && e.code === "ZIP_LIMIT");
  });

  it("compares an entry with the last upload's byte for byte, not by name and fields alone", async () => {
    const first = craftZip(entries());
    const before = walk(first, [first.length]);
    assert.equal(before.complete, true);
    // Same name, method, sizes and CRC-32 as before, other bytes: the comparison fails and the check refuses it.
    const forged = entries();
    const blob = forged[1];
    const altered = Buffer.from(blob.body);
    altered[0] ^= 1;
    forged[1] = { ...blob, body: altered };
    const second = craftZip(forged);
    assert.notEqual(crc32(altered), blob.crc32);
    const w = walk(second, [second.length], before.index(first));
    assert.equal(w.complete, true);
    assert.deepEqual([...w.walked.values()].map((e) => e.crc32), [forged[0].crc32, forged[2].crc32]);
    await assert.rejects(verifyZip(second, 0, 1, undefined, DEFAULT_ARCHIVE_LIMITS, false, w.walked), /data\/blob\.bin: CRC-32 mismatch/);
    // An unchanged upload compares equal throughout.
    assert.equal(walk(first, [333], before.index(first)).walked.size, 3);
  });

  it("finds the entry to compare with by position, and by name after an insertion, a deletion or a move", () => {
    const file = (name: string, text = `// ${name}\n`) => deflatedEntry(name, text.repeat(40));
    const first = craftZip(["a.js", "b.js", "c.js", "d.js", "e.js", "f.js"].map((n) => file(n)));
    const before = walk(first, [first.length]);
    // b.js edited, bb.js new, d.js deleted, a.js moved to the end; every other entry unchanged.
    const second = craftZip([file("b.js", "// edited\n"), file("bb.js"), file("c.js"), file("e.js"), file("f.js"), file("a.js")]);
    /** Counts memo look-ups: an entry matched by comparison never gets there. */
    class Counting extends VerifiedEntries {
      lookups = 0;
      override has(key: string): boolean {
        this.lookups++;
        return super.has(key);
      }
    }
    const memo = new Counting();
    const w = new LocalEntryWalk(memo, DEFAULT_ARCHIVE_LIMITS, before.index(first));
    for (let at = 0; at < second.length; at += 50) w.advance(second, Math.min(second.length, at + 50));
    assert.equal(w.complete, true);
    assert.equal(w.walked.size, 6, "every entry checked one way or the other");
    assert.equal(memo.lookups, 2, "only the edited and the new entry were checked without a comparison");
  });
});
