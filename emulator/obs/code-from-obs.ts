/**
 * FunctionGraph's `code_type: obs` against the emulator's OBS: `PUT …/code` with `{code_type: "obs", code_url}`
 * reads the package from the bucket — the deploying user's credentials fetch it, so no agency is needed — checks
 * it (a zip, ≤ 300 MB, bucket in the function's region) and makes it the function's code. A missing bucket or
 * object is 404 FSS.1054.
 *
 * `code_url` forms accepted: the real one, `https://<bucket>.obs.<region>.myhuaweicloud.com/<key>` (any host
 * `<bucket>.obs.<…>` resolves to the emulator's OBS), and the emulator's path-style URL
 * `http://127.0.0.1:<obs port>/<bucket>/<key>`.
 */
import { ApiError, Errors } from "../http/errors";
import type { ObsStore } from "./obs-store";
import { ObsError } from "./obs-errors";

/** Largest package read from OBS: 300 MB (zip). */
export const OBS_CODE_LIMIT_BYTES = 300 * 1024 * 1024;

/** FSS.1054: the package object (or its bucket) does not exist. */
export const obsObjectMissing = (url: string) => new ApiError(404, "FSS.1054", `The OBS object of code_url does not exist: ${url}`);

/** Where a `code_url` points: bucket and key (undefined when the URL is not an OBS object URL). */
export function parseCodeUrl(codeUrl: string, obsUrl: string): { bucket: string; key: string } | undefined {
  let url: URL;
  try {
    url = new URL(codeUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const path = url.pathname.slice(1);
  const decode = (s: string) => decodeURIComponent(s);
  const vh = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\.obs\./.exec(url.hostname);
  try {
    if (vh) return path ? { bucket: vh[1], key: decode(path) } : undefined;
    if (url.origin === new URL(obsUrl).origin) {
      const slash = path.indexOf("/");
      if (slash <= 0 || slash === path.length - 1) return undefined;
      return { bucket: decode(path.slice(0, slash)), key: decode(path.slice(slash + 1)) };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Reads the package a `code_url` names, with the service's checks; throws the `ApiError` the service answers. */
export async function readCodeFromObs(store: ObsStore | undefined, obsUrl: string, codeUrl: unknown, region: string): Promise<Buffer> {
  if (typeof codeUrl !== "string" || codeUrl === "") throw Errors.badRequest("code_url: required when code_type is obs");
  const where = parseCodeUrl(codeUrl, obsUrl);
  if (!where || !store) throw Errors.badRequest(`code_url: '${codeUrl}' is not an OBS object URL (https://<bucket>.obs.<region>.myhuaweicloud.com/<key>)`);
  const bucket = store.bucket(where.bucket);
  if (!bucket) throw obsObjectMissing(codeUrl);
  if (bucket.location !== region) {
    throw Errors.badRequest(`code_url: the bucket '${where.bucket}' is in ${bucket.location}, not in the function's region ${region}`);
  }
  const meta = store.head(where.bucket, where.key);
  if (!meta) throw obsObjectMissing(codeUrl);
  if (meta.size > OBS_CODE_LIMIT_BYTES) throw Errors.codeTooLarge(meta.size, OBS_CODE_LIMIT_BYTES);
  try {
    return await store.readObject(where.bucket, where.key);
  } catch (err) {
    if (err instanceof ObsError && err.status === 404) throw obsObjectMissing(codeUrl);
    throw err;
  }
}
