/**
 * The packaging pool with the calling thread helping (work stealing, deflate-pool.ts): every batch is
 * processed exactly once — by a worker or by the calling thread, never both — and the results are the same.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { startDeflatePool } from "../../provider/package/deflate-pool";
import { HASH_ONLY } from "../../provider/package/deflate-protocol";
import { openSpool } from "../../provider/package/spool";
import { cleanup, tempDir, writeTree } from "./helpers";

const content = (i: number): string => `file ${i} `.repeat(50 + (i % 97));

test("with the calling thread helping, each batch is processed once (spooled bytes = the bodies' sum) and right", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const files = Array.from({ length: 600 }, (_, i) => `f${i}.txt`);
  const dir = writeTree(path.join(root, "src"), Object.fromEntries(files.map((f, i) => [f, content(i)])));
  const spool = openSpool(root);
  t.after(() => spool.discard());
  const pool = startDeflatePool(1, 1024 * 1024);
  const batches = Array.from({ length: 120 }, (_, b) => files.slice(b * 5, b * 5 + 5));
  // Submitted at once, before the worker has started: the calling thread takes batches from the end meanwhile.
  const results = await Promise.all(batches.map((batch) => pool.submit(6, batch.map((f) => path.join(dir, f)), 1, { fd: spool.fd, end: spool.end })));
  const taken = pool.callerBatches();
  // A last batch over the bound goes to the worker only; once it is answered, the worker has been through
  // every earlier message (in order), including those the calling thread took.
  const last = await pool.submit(6, [path.join(dir, files[0])], 2 * 1024 * 1024, { fd: spool.fd, end: spool.end });
  results.push(last);
  batches.push([files[0]]);
  await pool.close();
  let bodies = 0;
  results.forEach((r, b) => {
    r.files.forEach((f, k) => {
      const i = b < 120 ? b * 5 + k : 0;
      assert.equal(f.error, undefined);
      assert.equal(f.sha512, crypto.createHash("sha512").update(content(i)).digest("hex"), files[i]);
      assert.equal(f.crc32, zlib.crc32(content(i)), files[i]);
      bodies += f.length;
    });
  });
  // A batch processed twice would have claimed a second range of the spool.
  assert.equal(spool.size, bodies);
  assert.ok(taken > 0, "the calling thread took no batch although it was idle before the worker started");
  assert.equal(pool.callerBatches(), taken, "the calling thread took the batch over the bound");
});

test("a batch over the stealing bound is left to the worker; hashing only works the same", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), { "a.txt": "a".repeat(5000), "b.txt": "b".repeat(7000) });
  const pool = startDeflatePool(1, 1000); // both batches are over 1,000 bytes
  const [a, b] = await Promise.all([
    pool.submit(HASH_ONLY, [path.join(dir, "a.txt")], 5000),
    pool.submit(HASH_ONLY, [path.join(dir, "b.txt")], 7000),
  ]);
  assert.equal(pool.callerBatches(), 0);
  await pool.close();
  assert.equal(a.files[0].sha512, crypto.createHash("sha512").update("a".repeat(5000)).digest("hex"));
  assert.equal(b.files[0].sha512, crypto.createHash("sha512").update("b".repeat(7000)).digest("hex"));
});
