/**
 * Entry of the packaging thread (packaging-thread.ts): zips the directory it is given with `buildPackage`,
 * posts the package (its header buffers transferred) or the error, and ends. The spool's descriptor stays
 * open for the calling thread, which owns it from then on.
 */
import { parentPort, workerData } from "node:worker_threads";
import { buildPackage } from "./package-source";
import { errorForThread, type PackagingThreadInput, type PackagingThreadReply } from "./packaging-thread";

if (parentPort) {
  const port = parentPort;
  const { dir, options } = workerData as PackagingThreadInput;
  buildPackage(dir, { ...options, onPackagingThread: true }).then(
    (built) => port.postMessage({ built } satisfies PackagingThreadReply, [built.layout.headers.buffer, built.layout.central.buffer] as ArrayBuffer[]),
    (err: unknown) => port.postMessage({ error: errorForThread(err) } satisfies PackagingThreadReply),
  );
}
