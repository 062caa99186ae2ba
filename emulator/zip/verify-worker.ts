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
import { decodeBase64Into, type HashRequest, type VerifyReply, type VerifyRequest, type WalkRequest } from "./verify-pool";

if (parentPort) {
  const port = parentPort;
  const verified = new VerifiedEntries();
  const hashes = new Map<number, { hash: Hash; bad: boolean; walk?: { zip: Buffer; entries: LocalEntryWalk } }>();
  /** Complete walks of finished streams, until the verification that uses them (a few at most). */
  const walks = new Map<number, WalkedEntries>();
  /** The last complete walk: the next upload's unchanged entries are compared with it. */
  let lastWalk: WalkIndex | undefined;
  /** Walks of zips another worker decodes (`WalkRequest`), by id. */
  const following = new Map<number, { zip: Buffer; entries: LocalEntryWalk }>();
  /** Keeps a complete walk for the verification of its zip (`id`), and as the one the next walk compares with. */
  const keep = (id: number, walk: { zip: Buffer; entries: LocalEntryWalk }) => {
    if (walks.size >= 4) walks.delete(walks.keys().next().value!);
    walks.set(id, walk.entries.walked);
    lastWalk = walk.entries.index(walk.zip);
  };
  port.on("message", (req: VerifyRequest | HashRequest | WalkRequest) => {
    if ("kind" in req && req.kind === "walk") {
      let w = following.get(req.id);
      if (!w) following.set(req.id, (w = { zip: Buffer.from(req.buffer), entries: new LocalEntryWalk(verified, DEFAULT_ARCHIVE_LIMITS, lastWalk, req.share) }));
      if (req.available !== undefined) w.entries.advance(w.zip, req.available);
      if (req.last) {
        following.delete(req.id);
        const walked = !req.abandon && w.entries.complete;
        if (walked) keep(req.id, w);
        port.postMessage({ id: req.id, walked } satisfies VerifyReply);
      }
      return;
    }
    if ("kind" in req) {
      let h = hashes.get(req.id);
      if (!h) hashes.set(req.id, (h = { hash: createHash(req.algorithm), bad: false }));
      const view = Buffer.from(req.buffer, req.offset, req.length);
      if (req.base64 && !decodeBase64Into(Buffer.from(req.base64.buffer, req.base64.offset, req.base64.length), view)) h.bad = true;
      if (req.length > 0) {
        h.hash.update(view);
        if (req.walk) h.walk ??= { zip: Buffer.from(req.buffer), entries: new LocalEntryWalk(verified, DEFAULT_ARCHIVE_LIMITS, lastWalk, req.walk) };
        if (!h.bad) h.walk?.entries.advance(h.walk.zip, req.offset + req.length);
        // The other walker of this zip may go on to here (the pool relays it): the bytes are decoded.
        if (req.progress && !h.bad) port.postMessage({ id: req.id, decoded: req.offset + req.length } satisfies VerifyReply);
      }
      if (req.last) {
        hashes.delete(req.id);
        const walked = !h.bad && h.walk?.entries.complete;
        if (walked) keep(req.id, h.walk!);
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
