/**
 * Worker-thread entry of the packaging pool: answers each `DeflateRequest` with `processBatch`, transferring
 * the bodies buffer back instead of copying it.
 */
import { parentPort } from "node:worker_threads";
import { newBatchContext, processBatch } from "./deflate-batch";
import type { DeflateRequest, DeflateResponse } from "./deflate-protocol";

if (parentPort) {
  const port = parentPort;
  const ctx = newBatchContext();
  port.on("message", (req: DeflateRequest) => {
    try {
      const { response, transfer } = processBatch(req, ctx);
      port.postMessage(response, transfer);
    } catch (err) {
      port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) } satisfies DeflateResponse);
    }
  });
}
