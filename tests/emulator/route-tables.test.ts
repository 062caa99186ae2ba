import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { API_OPERATIONS, API_ROUTES, FAULT_OPERATION_NAMES, WRITE_OPERATIONS } from "../../emulator/api/api-operations";
import { ADMIN_INDEX, ADMIN_OPERATIONS } from "../../emulator/admin/admin-routes";
import { parseFaultSpec } from "../../emulator/http/faults";
import { matchObsOperation, OBS_OPERATIONS, OBS_WRITE_OPERATIONS } from "../../emulator/obs/obs-operations";
import { ObsFaults } from "../../emulator/obs/obs-faults";
import { RUNTIME_ADMIN_OPERATIONS } from "../../emulator/admin/runtime-admin";

// The lists the fault SPEC accepted before the route tables (faults.ts WRITE_OPERATIONS + OP_ALIASES,
// companion-operations.ts, obs-faults.ts): the tables must derive exactly these, in this order.
const WRITES_BEFORE = [
  "import", "updateCode", "updateConfig", "publishVersion", "delete", "updateMaxInstance", "createTags", "deleteTags",
  "updateAsyncConfig", "deleteAsyncConfig", "updateReservedInstances",
  "createTrigger", "updateTrigger", "deleteTrigger", "batchDeleteTriggers",
  "createAlias", "updateAlias", "deleteAlias",
  "createDependencyVersion", "deleteDependencyVersion",
];
const SPEC_NAMES_BEFORE = [
  "import", "updateCode", "code", "updateConfig", "config", "publishVersion", "version", "delete", "updateMaxInstance",
  "createTags", "deleteTags", "updateAsyncConfig", "deleteAsyncConfig", "updateReservedInstances",
  "createTrigger", "updateTrigger", "deleteTrigger", "batchDeleteTriggers", "createAlias", "updateAlias", "deleteAlias",
  "createDependencyVersion", "deleteDependencyVersion",
];
const OBS_WRITES_BEFORE = {
  put: "putObject", part: "uploadPart", complete: "completeMultipartUpload", initiate: "initiateMultipartUpload",
  abort: "abortMultipartUpload", deleteObject: "deleteObject", createBucket: "createBucket",
};

describe("route tables", () => {
  it("derive the API's fault write-set and SPEC names exactly as before", () => {
    assert.deepEqual(WRITE_OPERATIONS, WRITES_BEFORE);
    assert.deepEqual(Object.keys(FAULT_OPERATION_NAMES), SPEC_NAMES_BEFORE);
    assert.equal(FAULT_OPERATION_NAMES.code, "updateCode");
    assert.equal(FAULT_OPERATION_NAMES.version, "publishVersion");
    assert.deepEqual(parseFaultSpec("commitDrop=*:1").commitDrop?.operations, WRITES_BEFORE);
    assert.deepEqual(parseFaultSpec("commitDrop=code|config|version:2").commitDrop?.operations, ["updateCode", "updateConfig", "publishVersion"]);
    assert.throws(() => parseFaultSpec("commitDrop=list:1"), /unknown operation 'list'/);
  });

  it("derive OBS's commitDrop names exactly as before", () => {
    assert.deepEqual(OBS_WRITE_OPERATIONS, OBS_WRITES_BEFORE);
    const faults = new ObsFaults("commitDrop=*:7");
    for (const op of Object.values(OBS_WRITES_BEFORE)) assert.equal(faults.dropAfterCommit(op), true, op);
    assert.equal(faults.dropAfterCommit("copyObject"), false);
    assert.equal(faults.dropAfterCommit("getObject"), false);
  });

  it("declare each method and path once per service", () => {
    for (const [service, rows] of [["api", API_OPERATIONS], ["obs", OBS_OPERATIONS], ["admin", [...ADMIN_OPERATIONS, ...RUNTIME_ADMIN_OPERATIONS]]] as const) {
      const keys = rows.filter((o) => !o.when).map((o) => `${o.method} ${o.path}`);
      assert.equal(new Set(keys).size, keys.length, `${service}: ${keys.join(", ")}`);
    }
  });

  it("match the API paths the official SDK sends, literals before parameters", () => {
    const op = (method: string, path: string) => API_ROUTES.match(method, path.split("/"))?.operation.name;
    assert.equal(op("POST", "fgs/functions/import"), "import");
    assert.equal(op("DELETE", "fgs/functions/import"), "delete"); // a function named 'import'
    assert.equal(op("GET", "fgs/functions/import"), undefined);
    assert.equal(op("GET", "fgs/functions/reservedinstances"), "listReservedInstances");
    assert.equal(op("GET", "fgs/functions/urn:x/aliases/live"), "showAlias");
    assert.equal(op("PUT", "fgs/functions/urn:x/aliases"), undefined);
    assert.equal(op("GET", "fgs/functions//config"), undefined);
    assert.equal(op("PUT", "fgs/triggers/urn:x/TIMER/t1"), "updateTrigger");
    assert.equal(op("GET", "fgs/dependencies/version"), undefined);
    assert.equal(op("GET", "fgs/dependencies/d1/version/3"), "showDependencyVersion");
    assert.equal(op("POST", "functions/f1/tags/create"), "createTags");
    assert.deepEqual(API_ROUTES.match("DELETE", ["fgs", "triggers", "u", "APIG", "id1"])?.params, { urn: "u", type: "APIG", id: "id1" });
  });

  it("match OBS operations by sub-resource and header", () => {
    const q = (s: string) => new URLSearchParams(s);
    assert.equal(matchObsOperation("HEAD", undefined, undefined, q("apiversion"))?.name, "headApiVersion");
    assert.equal(matchObsOperation("HEAD", "b", undefined, q("apiversion"))?.name, "headApiVersion");
    assert.equal(matchObsOperation("HEAD", "b", undefined, q(""))?.name, "headBucket");
    assert.equal(matchObsOperation("HEAD", undefined, undefined, q("")), undefined);
    assert.equal(matchObsOperation("GET", "b", undefined, q("list-type=2"))?.name, "listObjectsV2");
    assert.equal(matchObsOperation("GET", "b", undefined, q("location&list-type=2"))?.name, "getBucketLocation");
    assert.equal(matchObsOperation("PUT", "b", "k", q("partNumber=1&uploadId=u"), { "x-amz-copy-source": "/a/b" })?.name, "uploadPart");
    assert.equal(matchObsOperation("PUT", "b", "k", q(""), { "x-obs-copy-source": "/a/b" })?.name, "copyObject");
    assert.equal(matchObsOperation("PUT", "b", "k", q(""))?.name, "putObject");
    assert.equal(matchObsOperation("POST", "b", "k", q("uploads&uploadId=u"))?.name, "initiateMultipartUpload");
    assert.equal(matchObsOperation("POST", "b", "k", q(""))?.name, undefined);
    assert.equal(matchObsOperation("DELETE", "b", "k", q("uploadId=u"))?.name, "abortMultipartUpload");
    assert.equal(matchObsOperation("PATCH", "b", "k", q("")), undefined);
  });

  it("list every admin row in the admin index", () => {
    assert.equal(ADMIN_INDEX.length, ADMIN_OPERATIONS.length + RUNTIME_ADMIN_OPERATIONS.length);
    for (const line of ["GET /__admin/functions", "POST /__admin/functions (seed a function)", "DELETE /__admin/functions/{urn}",
      "GET /__admin/requests?operation=&method=&writesOnly=true", "DELETE /__admin/timers/{id}"]) {
      assert.ok(ADMIN_INDEX.includes(line), line);
    }
  });
});
