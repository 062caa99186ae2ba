/**
 * Entry of the packaging thread (packaging-thread.ts): zips the job it is given with `buildPackage` into the
 * calling thread's spool, posts the package (its header buffers transferred) or the error, and ends. The
 * spool stays the calling thread's: this thread never closes it.
 */
import { parentPort, workerData } from "node:worker_threads";
import { buildPackage } from "./package-source";
import { errorForThread, type PackagingThreadInput, type PackagingThreadReply } from "./packaging-thread";
import { adoptSpool } from "./spool";

if (parentPort) {
  const port = parentPort;
  const { dir, caches, spool, options } = workerData as PackagingThreadInput;
  buildPackage({ dir, caches, spool: adoptSpool(spool) }, { ...options, onPackagingThread: true }).then(
    (built) => port.postMessage({ built } satisfies PackagingThreadReply, [built.layout.headers.buffer, built.layout.central.buffer] as ArrayBuffer[]),
    (err: unknown) => port.postMessage({ error: errorForThread(err) } satisfies PackagingThreadReply),
  );
}
