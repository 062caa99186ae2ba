/**
 * Renders stored records as the API's views — the function model (seed 000 Table 4 / seed 004), the config view
 * (model + func_id & co.), the code view and version models — and checks each against the shared schemas
 * before it leaves, so the emulator can never answer with a shape the client would reject.
 */
import { cpuForMemory } from "../../provider/api/constraints";
import { FunctionCodeSchema, FunctionModelSchema, type FunctionCode, type FunctionModel } from "../../provider/api/schemas";
import { Errors } from "../http/errors";
import { renderConfigFields } from "./function-config";
import { formatLastModified, type FunctionConfig, type FunctionRecord, type VersionRecord } from "../store/records";
import { buildUrn, type UrnScope } from "./urn";

/** The account identity rendered into models. */
export interface AccountScope extends UrnScope {
  domainId: string;
}

/** How a view names the head: the import/list answers omit `:latest`, the per-function calls include it [U]. */
export interface RenderOptions {
  latestSuffix?: boolean;
  /** Adds the get-config extras (func_id, resource_id, type, ephemeral_storage, …). */
  configExtras?: boolean;
}

function checked<T>(schema: { safeParse(v: unknown): { success: boolean; error?: { message: string } } }, value: T): T {
  const r = schema.safeParse(value);
  if (!r.success) throw Errors.internal(`emulator produced an invalid response: ${r.error?.message}`);
  return value;
}

function configFields(c: FunctionConfig) {
  return {
    ...renderConfigFields(c),
    cpu: cpuForMemory(c.memory_size),
    code_type: c.code_type,
    code_url: c.code_url ?? "",
    code_filename: c.code_filename,
    depend_list: [] as string[],
  };
}

/** The model of the head (`version: latest`) or of a published version. */
export function renderModel(scope: AccountScope, f: FunctionRecord, v?: VersionRecord, opts: RenderOptions = {}): FunctionModel {
  const head = !v;
  const model: FunctionModel = {
    func_urn: buildUrn(scope, f.package, f.name, head ? (opts.latestSuffix ? "latest" : undefined) : v.version),
    func_name: f.name,
    domain_id: scope.domainId,
    namespace: scope.projectId,
    project_name: scope.region,
    package: f.package,
    ...(configFields(head ? f.config : v.config) as unknown as Pick<FunctionModel, "runtime" | "timeout" | "handler" | "memory_size">),
    code_size: head ? f.codeSize : v.codeSize,
    digest: head ? f.digest : v.digest,
    version: head ? "latest" : v.version,
    image_name: head ? f.imageName : v.imageName,
    version_description: head ? "" : v.description,
    last_modified: formatLastModified(head ? f.lastModified : v.lastModified),
    func_code: { file: "", link: "" },
  };
  if (opts.configExtras) {
    Object.assign(model, { func_id: f.id, resource_id: head ? f.id : `${f.id}:${v.version}`, type: model.type ?? "v2" });
  }
  return checked(FunctionModelSchema, model);
}

/** The `GET/PUT …/code` view. */
export function renderCode(scope: AccountScope, f: FunctionRecord, v?: VersionRecord): FunctionCode {
  const c = v ? v.config : f.config;
  return checked(FunctionCodeSchema, {
    func_urn: buildUrn(scope, f.package, f.name, v ? v.version : "latest"),
    func_name: f.name,
    runtime: c.runtime,
    code_type: c.code_type,
    code_url: c.code_url ?? "",
    code_filename: c.code_filename,
    code_size: v ? v.codeSize : f.codeSize,
    digest: v ? v.digest : f.digest,
    last_modified: formatLastModified(v ? v.lastModified : f.lastModified),
    func_code: { file: "", link: "" },
    depend_list: [],
    depend_version_list: [...c.depend_version_list],
    strategy_config: renderConfigFields(c).strategy_config as { concurrency?: number },
  });
}
