/**
 * The OBS endpoint as one table of typed operations (../http/route-table.ts): method, address (`""` the service,
 * `{bucket?}` a bucket, `{bucket?}/{key?}` an object) and the sub-resource or header that tells operations on
 * the same address apart (the S3 way). The server matches a request here once; the request log's operation
 * names and the `commitDrop` fault names (`faultName`) come from the same rows.
 */
import { RouteTable, type Operation } from "../http/route-table";
import * as h from "./obs-handlers";

/** One OBS operation: `anonymous` allows unsigned requests, `faultName` is its `commitDrop` SPEC name. */
export type ObsOperationRow = Operation<h.ObsOperation> & { anonymous?: boolean; faultName?: string };

type When = NonNullable<ObsOperationRow["when"]>;
const has = (name: string): When => (q) => q.has(name);
const not = (w: When): When => (q, hd) => !w(q, hd);
const part: When = (q) => q.has("uploadId") || q.has("partNumber");
const copy: When = (_q, hd) => Boolean(hd["x-amz-copy-source"] || hd["x-obs-copy-source"]);
const row = (method: ObsOperationRow["method"], path: string, name: string, handler: h.ObsOperation, extra: Partial<ObsOperationRow> = {}): ObsOperationRow =>
  ({ method, path, name, writes: false, handler, ...extra });

const BUCKET = "{bucket?}";
const OBJECT = "{bucket?}/{key?}";

/**
 * Every OBS operation. Rows on one method and address have conditions that exclude each other, except the
 * last of them (the plain operation), which the more specific ones precede. The fault rows stand in the order
 * the SPEC lists them.
 */
export const OBS_OPERATIONS: readonly ObsOperationRow[] = [
  row("PUT", OBJECT, "putObject", h.putObject, { writes: true, faultName: "put", when: (q, hd) => !part(q, hd) && !copy(q, hd) }),
  row("PUT", OBJECT, "uploadPart", h.uploadPart, { writes: true, faultName: "part", when: part }),
  row("POST", OBJECT, "completeMultipartUpload", h.complete, { writes: true, faultName: "complete", when: (q) => !q.has("uploads") && q.has("uploadId") }),
  row("POST", OBJECT, "initiateMultipartUpload", h.initiate, { writes: true, faultName: "initiate", when: has("uploads") }),
  row("DELETE", OBJECT, "abortMultipartUpload", h.abort, { writes: true, faultName: "abort", when: has("uploadId") }),
  row("DELETE", OBJECT, "deleteObject", h.deleteObject, { writes: true, faultName: "deleteObject", when: not(has("uploadId")) }),
  row("PUT", BUCKET, "createBucket", h.createBucket, { writes: true, faultName: "createBucket" }),
  row("PUT", OBJECT, "copyObject", h.copyObject, { writes: true, when: (q, hd) => !part(q, hd) && copy(q, hd) }),
  row("DELETE", BUCKET, "deleteBucket", h.deleteBucket, { writes: true }),
  row("HEAD", "", "headApiVersion", h.apiVersion, { anonymous: true, when: has("apiversion") }),
  row("HEAD", BUCKET, "headApiVersion", h.apiVersion, { anonymous: true, when: has("apiversion") }),
  row("GET", "", "listBuckets", h.listBuckets),
  row("HEAD", BUCKET, "headBucket", h.headBucket, { when: not(has("apiversion")) }),
  row("GET", BUCKET, "getBucketLocation", h.bucketLocation, { when: has("location") }),
  row("GET", BUCKET, "listMultipartUploads", h.listUploads, { when: (q) => !q.has("location") && q.has("uploads") }),
  row("GET", BUCKET, "listObjectsV2", h.listObjectsV2, { when: (q) => !q.has("location") && !q.has("uploads") && q.get("list-type") === "2" }),
  row("GET", BUCKET, "listObjects", h.listObjects),
  row("GET", OBJECT, "listParts", h.listParts, { when: has("uploadId") }),
  row("GET", OBJECT, "getObject", h.getObject, { when: not(has("uploadId")) }),
  row("HEAD", OBJECT, "headObject", h.headObject),
];

/** The OBS table, compiled. */
export const OBS_ROUTES = new RouteTable<h.ObsOperation>(OBS_OPERATIONS);

/** The operation for a request's method, bucket, key, query and headers (undefined: 405 MethodNotAllowed). */
export function matchObsOperation(
  method: string, bucket: string | undefined, key: string | undefined, query: URLSearchParams, headers: Record<string, string | string[] | undefined> = {},
): ObsOperationRow | undefined {
  const segments = bucket === undefined ? [] : key === undefined ? [bucket] : [bucket, key];
  return OBS_ROUTES.match(method, segments, query, headers)?.operation as ObsOperationRow | undefined;
}

/** The OBS operations commit-then-drop can target, by their SPEC names, in SPEC order (what `*` stands for). */
export const OBS_WRITE_OPERATIONS: Readonly<Record<string, string>> = Object.fromEntries(
  OBS_OPERATIONS.filter((o) => o.faultName !== undefined).map((o) => [o.faultName, o.name]),
);
