/**
 * Worker-thread entry of the packaging pool: answers each `DeflateRequest` it claims with `processBatch`,
 * transferring the bodies buffer back instead of copying it.
 */
import { parentPort } from "node:worker_threads";
import { newBatchContext, processBatch } from "./deflate-batch";
import type { DeflateRequest, DeflateResponse } from "./deflate-protocol";

if (parentPort) {
  const port = parentPort;
  const ctx = newBatchContext();
  port.on("message", (req: DeflateRequest) => {
    // Taken by the calling thread before this worker got to it (deflate-pool.ts): nothing to do, no reply.
    if (req.claim && Atomics.compareExchange(new Int32Array(req.claim.table), req.claim.index, 0, 1) !== 0) return;
    try {
      const { response, transfer } = processBatch(req, ctx);
      port.postMessage(response, transfer);
    } catch (err) {
      port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies DeflateResponse);
    }
  });
}
