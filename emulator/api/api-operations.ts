/**
 * The FunctionGraph API as one table of typed operations (route-table.ts): every call the emulator serves
 * under `/v2/{project_id}/` — `fgs/functions` (routes.ts, function-extra-routes.ts, routes-aliases.ts,
 * invoke-routes.ts), `fgs/triggers` (routes-triggers.ts), `fgs/dependencies` (routes-dependencies.ts)
 * and the tags API `functions/{id}/tags…` (function-extra-routes.ts). The server matches a request here once;
 * the request log's operation names, `requests({ writesOnly })` and the `commitDrop` fault targets come from
 * the same rows.
 */
import {
  createTags, deleteAsyncConfig, deleteTags, getAsyncConfig, listReserved, listTags, updateAsyncConfig,
  updateMaxInstance, updateReserved,
} from "./function-extra-routes";
import { RouteTable, type Operation } from "../http/route-table";
import {
  deleteFunction, exportFunction, getCode, getConfig, importFunction, listFunctions, listVersions, publishVersion,
  updateCode, updateConfig, type ApiHandler,
} from "./routes";
import { createAlias, deleteAlias, listAliases, showAlias, updateAlias } from "./routes-aliases";
import * as dependencies from "./routes-dependencies";
import {
  batchDeleteTriggers, createTrigger, deleteTrigger, listTriggers, showTrigger, updateTrigger,
} from "./routes-triggers";
import { invokeAsync, invokeSync, listAsyncInvocations } from "./invoke-routes";

/**
 * `/v2/{project_id}/fgs/<collection>[/…]`, or the tags API's `/v2/{project_id}/functions/{id}/…`: group 1 the
 * project, 2 the collection (`fgs/functions`, `fgs/triggers`, `fgs/dependencies` or `functions`), 3 the rest.
 * A path outside it is 404 APIG.0101 before anything else.
 */
export const API_PATH = /^\/v2\/([^/]*)\/(fgs\/functions|fgs\/triggers|fgs\/dependencies|functions(?=\/))(\/.*)?$/;

/** One FunctionGraph API operation; `faultNames` are the extra names a `commitDrop` SPEC may use for it. */
export type ApiOperation = Operation<ApiHandler> & { faultNames?: readonly string[] };

const row = (method: ApiOperation["method"], path: string, name: string, handler: ApiHandler, faultNames?: string[]): ApiOperation =>
  ({ method, path, name, writes: false, handler, ...(faultNames ? { faultNames } : {}) });
const write = (method: ApiOperation["method"], path: string, name: string, handler: ApiHandler, faultNames?: string[]): ApiOperation =>
  ({ ...row(method, path, name, handler, faultNames), writes: true });

const FN = "fgs/functions/{urn}";
const DEP = "fgs/dependencies/{id?}/version";

/**
 * Every operation, paths relative to `/v2/{project_id}/` (as the official SDK sends them). The writes stand in
 * the order the fault SPEC lists them (`*` expands to them in this order).
 */
export const API_OPERATIONS: readonly ApiOperation[] = [
  row("GET", "fgs/functions", "list", listFunctions),
  write("POST", "fgs/functions/import", "import", importFunction),
  write("PUT", `${FN}/code`, "updateCode", updateCode, ["code"]),
  write("PUT", `${FN}/config`, "updateConfig", updateConfig, ["config"]),
  write("POST", `${FN}/versions`, "publishVersion", publishVersion, ["version"]),
  write("DELETE", FN, "delete", deleteFunction),
  write("PUT", `${FN}/config-max-instance`, "updateMaxInstance", updateMaxInstance),
  write("POST", "functions/{id}/tags/create", "createTags", createTags),
  write("DELETE", "functions/{id}/tags/delete", "deleteTags", deleteTags),
  write("PUT", `${FN}/async-invoke-config`, "updateAsyncConfig", updateAsyncConfig),
  write("DELETE", `${FN}/async-invoke-config`, "deleteAsyncConfig", deleteAsyncConfig),
  write("PUT", `${FN}/reservedinstances`, "updateReservedInstances", updateReserved),
  row("GET", "fgs/functions/reservedinstances", "listReservedInstances", listReserved),
  row("GET", `${FN}/config`, "getConfig", getConfig),
  row("GET", `${FN}/code`, "getCode", getCode),
  row("GET", `${FN}/versions`, "listVersions", listVersions),
  row("GET", `${FN}/export`, "export", exportFunction),
  row("POST", `${FN}/invocations`, "invoke", invokeSync),
  row("POST", `${FN}/invocations-async`, "invokeAsync", invokeAsync),
  row("GET", `${FN}/async-invocations`, "listAsyncInvocations", listAsyncInvocations),
  row("GET", `${FN}/async-invoke-config`, "getAsyncConfig", getAsyncConfig),
  row("GET", "functions/{id}/tags", "listTags", listTags),

  write("POST", "fgs/triggers/{urn}", "createTrigger", createTrigger),
  write("PUT", "fgs/triggers/{urn}/{type?}/{id}", "updateTrigger", updateTrigger),
  write("DELETE", "fgs/triggers/{urn}/{type?}/{id}", "deleteTrigger", deleteTrigger),
  write("DELETE", "fgs/triggers/{urn}", "batchDeleteTriggers", batchDeleteTriggers),
  row("GET", "fgs/triggers/{urn}", "listTriggers", listTriggers),
  row("GET", "fgs/triggers/{urn}/{type?}/{id}", "showTrigger", showTrigger),

  write("POST", `${FN}/aliases`, "createAlias", createAlias),
  write("PUT", `${FN}/aliases/{name}`, "updateAlias", updateAlias),
  write("DELETE", `${FN}/aliases/{name}`, "deleteAlias", deleteAlias),
  row("GET", `${FN}/aliases`, "listAliases", listAliases),
  row("GET", `${FN}/aliases/{name}`, "showAlias", showAlias),

  write("POST", "fgs/dependencies/version", "createDependencyVersion", dependencies.createVersion),
  write("DELETE", `${DEP}/{version?}`, "deleteDependencyVersion", dependencies.deleteVersion),
  row("GET", "fgs/dependencies", "listDependencies", dependencies.listDependencies),
  row("GET", DEP, "listDependencyVersions", dependencies.listVersions),
  row("GET", `${DEP}/{version?}`, "showDependencyVersion", dependencies.showVersion),
];

/** The API's table, compiled: `API_ROUTES.match(method, segments)` with the segments after the project id. */
export const API_ROUTES = new RouteTable<ApiHandler>(API_OPERATIONS);

/** The operations a `commitDrop` SPEC may name (every write), in SPEC order: what `*` stands for. */
export const WRITE_OPERATIONS = API_ROUTES.writeNames();

/** Every name a `commitDrop` SPEC accepts and the write it means: each write's own name, then its short names. */
export const FAULT_OPERATION_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  API_OPERATIONS.filter((o) => o.writes).flatMap((o) => [o.name, ...(o.faultNames ?? [])].map((n) => [n, o.name])),
);
