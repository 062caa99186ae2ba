/**
 * Worker-thread entry of the zip verification pool (zip-verify-pool.ts): verifies one shard of a zip held in
 * shared memory, and computes its SHA512 when asked.
 */
import { createHash } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { verifyZip } from "./zip-verify";
import type { VerifyReply, VerifyRequest } from "./zip-verify-pool";

if (parentPort) {
  const port = parentPort;
  port.on("message", (req: VerifyRequest) => {
    const zip = Buffer.from(req.buffer, req.offset, req.length);
    const sha512 = req.digest ? createHash("sha512").update(zip).digest("hex") : undefined;
    verifyZip(zip, req.shard, req.shards).then(
      (entries) => port.postMessage({ id: req.id, entries, sha512 } satisfies VerifyReply),
      (err: Error) => port.postMessage({ id: req.id, error: err.message } satisfies VerifyReply),
    );
  });
}
