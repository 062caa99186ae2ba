/**
 * Renders stored records as the API's views — the function model (seed 000 Table 4 / seed 004), the config view
 * (model + func_id & co.), the code view and version models — and checks each against the shared schemas
 * before it leaves, so the emulator can never answer with a shape the client would reject.
 */
import { cpuForMemory } from "../provider/api/constraints";
import { FunctionCodeSchema, FunctionModelSchema, type FunctionCode, type FunctionModel } from "../provider/api/schemas";
import { Errors } from "./errors";
import { formatLastModified, type FunctionConfig, type FunctionRecord, type VersionRecord } from "./records";
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
    runtime: c.runtime,
    timeout: c.timeout,
    handler: c.handler,
    memory_size: c.memory_size,
    cpu: cpuForMemory(c.memory_size),
    code_type: c.code_type,
    code_url: c.code_url ?? "",
    code_filename: c.code_filename,
    user_data: c.user_data,
    encrypted_user_data: c.encrypted_user_data ?? "",
    xrole: c.xrole ?? "",
    app_xrole: c.app_xrole ?? "",
    description: c.description,
    initializer_handler: c.initializer_handler ?? "",
    initializer_timeout: c.initializer_timeout ?? 0,
    pre_stop_handler: c.pre_stop_handler ?? "",
    pre_stop_timeout: c.pre_stop_timeout ?? 0,
    extend_config: c.extend_config ?? "",
    depend_list: [] as string[],
    depend_version_list: [...c.depend_version_list],
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
    ...configFields(head ? f.config : v.config),
    code_size: head ? f.codeSize : v.codeSize,
    digest: head ? f.digest : v.digest,
    version: head ? "latest" : v.version,
    image_name: head ? f.imageName : v.imageName,
    version_description: head ? "" : v.description,
    last_modified: formatLastModified(head ? f.lastModified : v.lastModified),
    func_code: { file: "", link: "" },
    func_vpc: null,
    strategy_config: { concurrency: -1 },
    enterprise_project_id: "0",
  };
  if (opts.configExtras) {
    Object.assign(model, {
      func_id: f.id,
      resource_id: head ? f.id : `${f.id}:${v.version}`,
      type: "v2",
      ephemeral_storage: 512,
      is_stateful_function: false,
      enable_dynamic_memory: false,
    });
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
    strategy_config: { concurrency: -1 },
  });
}
