/**
 * Worker-thread entry of the zip verification pool (verify-pool.ts): verifies one shard of a zip held in
 * shared memory, and computes its SHA512 when asked; also hashes data fed piece by piece (`HashRequest`), walking
 * a zip's entries as it arrives when asked (stream-walk.ts). Remembers the entries it verified (the pool
 * keeps each worker on the same shard, so a re-upload finds its unchanged entries here).
 */
import { createHash, type Hash } from "node:crypto";
import { parentPort } from "node:worker_threads";
import { ZipError } from "./error";
import { DEFAULT_ARCHIVE_LIMITS } from "./limits";
import { LocalEntryWalk, type WalkIndex } from "./stream-walk";
import { VerifiedEntries, verifyZip, type WalkedEntries } from "./verify";
import { decodeBase64Into, type HashRequest, type VerifyReply, type VerifyRequest } from "./verify-pool";

if (parentPort) {
  const port = parentPort;
  const verified = new VerifiedEntries();
  const hashes = new Map<number, { hash: Hash; bad: boolean; walk?: { zip: Buffer; entries: LocalEntryWalk } }>();
  /** Complete walks of finished streams, until the verification that uses them (a few at most). */
  const walks = new Map<number, WalkedEntries>();
  /** The last complete walk: the next upload's unchanged entries are compared with it. */
  let lastWalk: WalkIndex | undefined;
  port.on("message", (req: VerifyRequest | HashRequest) => {
    if ("kind" in req) {
      let h = hashes.get(req.id);
      if (!h) hashes.set(req.id, (h = { hash: createHash(req.algorithm), bad: false }));
      const view = Buffer.from(req.buffer, req.offset, req.length);
      if (req.base64 && !decodeBase64Into(Buffer.from(req.base64.buffer, req.base64.offset, req.base64.length), view)) h.bad = true;
      if (req.length > 0) {
        h.hash.update(view);
        if (req.walk) h.walk ??= { zip: Buffer.from(req.buffer), entries: new LocalEntryWalk(verified, DEFAULT_ARCHIVE_LIMITS, lastWalk) };
        if (!h.bad) h.walk?.entries.advance(h.walk.zip, req.offset + req.length);
      }
      if (req.last) {
        hashes.delete(req.id);
        const walked = !h.bad && h.walk?.entries.complete;
        if (walked) {
          if (walks.size >= 4) walks.delete(walks.keys().next().value!);
          walks.set(req.id, h.walk!.entries.walked);
          lastWalk = h.walk!.entries.index(h.walk!.zip);
        }
        port.postMessage(h.bad
          ? { id: req.id, error: "the Base64 text did not decode to the expected length" }
          : { id: req.id, digest: h.hash.digest("hex"), walked } satisfies VerifyReply);
      }
      return;
    }
    const zip = Buffer.from(req.buffer, req.offset, req.length);
    const sha512 = req.digest ? createHash("sha512").update(zip).digest("hex") : undefined;
    const walked = req.walked === undefined ? undefined : walks.get(req.walked);
    if (req.walked !== undefined) walks.delete(req.walked);
    verifyZip(zip, req.shard, req.shards, verified, req.limits, req.weighted, walked).then(
      (entries) => port.postMessage({ id: req.id, entries, sha512 } satisfies VerifyReply),
      (err: Error) => port.postMessage({
        id: req.id, error: err.message, errorCode: err instanceof ZipError ? err.code : "ZIP_INVALID",
      } satisfies VerifyReply),
    );
  });
}
