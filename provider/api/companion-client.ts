/**
 * The calls for the resources around a function — triggers, aliases, dependency versions — on top of the
 * function client (same signing, retries, timeouts and typed errors). Paths and bodies are the official SDK's
 * (FunctionGraphClient.js): triggers under `/fgs/triggers/{function_urn}`, aliases under
 * `/fgs/functions/{function_urn}/aliases`, dependencies under `/fgs/dependencies`.
 *
 * Used only by the resources' lifecycles in the plugin process (never captured by a serialized provider), so
 * it imports its schemas directly.
 */
import { FunctionGraphClient } from "./client";
import { checkRequest } from "./errors";
import {
  AliasSchema, CreateAliasRequestSchema, ListAliasesResponseSchema, UpdateAliasRequestSchema, type AliasModel,
  type CreateAliasRequest, type UpdateAliasRequest,
} from "./alias-schemas";
import {
  CreateDependencyVersionRequestSchema, DependencyVersionSchema, ListDependenciesResponseSchema,
  ListDependencyVersionsResponseSchema, type CreateDependencyVersionRequest, type DependencyModel,
  type DependencyVersionModel,
} from "./dependency-schemas";
import {
  CreateTriggerRequestSchema, ListTriggersResponseSchema, TriggerSchema, UpdateTriggerRequestSchema,
  type CreateTriggerRequest, type TriggerModel, type UpdateTriggerRequest,
} from "./trigger-schemas";
import { normalizeUrn, urnPathSegment } from "./urn";

const seg = (s: string) => urnPathSegment(s);

/** The function client plus trigger, alias and dependency calls. */
export class CompanionClient extends FunctionGraphClient {
  /** `POST /triggers/{urn}`: creates a trigger. Not idempotent (a repeat makes a second trigger). */
  async createTrigger(functionUrn: string, body: CreateTriggerRequest): Promise<TriggerModel> {
    const checked = checkRequest("create-trigger request", CreateTriggerRequestSchema, body);
    return this.call({ method: "POST", root: "/fgs/triggers", sub: `/${seg(normalizeUrn(functionUrn))}`, body: checked, schema: TriggerSchema, idempotent: false });
  }

  /** `GET /triggers/{urn}`: the function's triggers. */
  async listTriggers(functionUrn: string): Promise<TriggerModel[]> {
    return this.call({ method: "GET", root: "/fgs/triggers", sub: `/${seg(normalizeUrn(functionUrn))}`, schema: ListTriggersResponseSchema, idempotent: true });
  }

  /** `GET /triggers/{urn}/{type}/{id}`; `undefined` when the trigger (or its function) does not exist. */
  async findTrigger(functionUrn: string, type: string, id: string): Promise<TriggerModel | undefined> {
    return this.call({ method: "GET", root: "/fgs/triggers", sub: `/${seg(normalizeUrn(functionUrn))}/${seg(type)}/${seg(id)}`,
      schema: TriggerSchema, idempotent: true, absentOk: [404] });
  }

  /** `PUT /triggers/{urn}/{type}/{id}`: changes the status (and what the service lets change). Idempotent. */
  async updateTrigger(functionUrn: string, type: string, id: string, body: UpdateTriggerRequest): Promise<TriggerModel> {
    const checked = checkRequest("update-trigger request", UpdateTriggerRequestSchema, body);
    return this.call({ method: "PUT", root: "/fgs/triggers", sub: `/${seg(normalizeUrn(functionUrn))}/${seg(type)}/${seg(id)}`,
      body: checked, schema: TriggerSchema, idempotent: true });
  }

  /** `DELETE /triggers/{urn}/{type}/{id}`; an absent trigger counts as deleted. */
  async deleteTrigger(functionUrn: string, type: string, id: string): Promise<void> {
    await this.call({ method: "DELETE", root: "/fgs/triggers", sub: `/${seg(normalizeUrn(functionUrn))}/${seg(type)}/${seg(id)}`,
      schema: undefined, idempotent: true, absentOk: [404] });
  }

  /** `POST /functions/{urn}/aliases`. Not idempotent (a repeat fails: the name exists). */
  async createAlias(functionUrn: string, body: CreateAliasRequest): Promise<AliasModel> {
    const checked = checkRequest("create-alias request", CreateAliasRequestSchema, body);
    return this.call({ method: "POST", sub: `/${seg(normalizeUrn(functionUrn))}/aliases`, body: checked, schema: AliasSchema, idempotent: false });
  }

  /** `GET /functions/{urn}/aliases`. */
  async listAliases(functionUrn: string): Promise<AliasModel[]> {
    return this.call({ method: "GET", sub: `/${seg(normalizeUrn(functionUrn))}/aliases`, schema: ListAliasesResponseSchema, idempotent: true });
  }

  /** `GET /functions/{urn}/aliases/{name}`; `undefined` when absent. */
  async findAlias(functionUrn: string, name: string): Promise<AliasModel | undefined> {
    return this.call({ method: "GET", sub: `/${seg(normalizeUrn(functionUrn))}/aliases/${seg(name)}`, schema: AliasSchema, idempotent: true, absentOk: [404] });
  }

  /** `PUT /functions/{urn}/aliases/{name}`: the whole routing in one call. Idempotent. */
  async updateAlias(functionUrn: string, name: string, body: UpdateAliasRequest): Promise<AliasModel> {
    const checked = checkRequest("update-alias request", UpdateAliasRequestSchema, body);
    return this.call({ method: "PUT", sub: `/${seg(normalizeUrn(functionUrn))}/aliases/${seg(name)}`, body: checked, schema: AliasSchema, idempotent: true });
  }

  /** `DELETE /functions/{urn}/aliases/{name}`; absent counts as deleted. */
  async deleteAlias(functionUrn: string, name: string): Promise<void> {
    await this.call({ method: "DELETE", sub: `/${seg(normalizeUrn(functionUrn))}/aliases/${seg(name)}`, schema: undefined, idempotent: true, absentOk: [404] });
  }

  /** `POST /dependencies/version`: a new version of the named dependency. Not idempotent. */
  async createDependencyVersion(body: CreateDependencyVersionRequest): Promise<DependencyVersionModel> {
    const checked = checkRequest("create-dependency-version request", CreateDependencyVersionRequestSchema, body);
    return this.call({ method: "POST", root: "/fgs/dependencies", sub: "/version", body: checked, schema: DependencyVersionSchema, idempotent: false });
  }

  /** `GET /dependencies?name=`: the account's dependencies with that name (every page). */
  async listDependencies(opts: { name?: string } = {}): Promise<DependencyModel[]> {
    const all: DependencyModel[] = [];
    for (let marker = 0, page = 0; page < 1000; page++) {
      const query: [string, string][] = [["marker", String(marker)], ["maxitems", "400"]];
      if (opts.name) query.push(["name", opts.name]);
      const res = await this.call({ method: "GET", root: "/fgs/dependencies", sub: "", query, schema: ListDependenciesResponseSchema, idempotent: true });
      all.push(...res.dependencies);
      if (res.dependencies.length === 0 || (typeof res.count === "number" && all.length >= res.count)) break;
      marker += res.dependencies.length;
    }
    return all;
  }

  /** `GET /dependencies/{id}/version`: every version of a dependency. */
  async listDependencyVersions(dependId: string): Promise<DependencyVersionModel[]> {
    const res = await this.call({ method: "GET", root: "/fgs/dependencies", sub: `/${seg(dependId)}/version`,
      schema: ListDependencyVersionsResponseSchema, idempotent: true, absentOk: [404] });
    return res?.dependencies ?? [];
  }

  /** `GET /dependencies/{id}/version/{version}`; `undefined` when absent. */
  async findDependencyVersion(dependId: string, version: number): Promise<DependencyVersionModel | undefined> {
    return this.call({ method: "GET", root: "/fgs/dependencies", sub: `/${seg(dependId)}/version/${version}`,
      schema: DependencyVersionSchema, idempotent: true, absentOk: [404] });
  }

  /** `DELETE /dependencies/{id}/version/{version}`; absent counts as deleted. */
  async deleteDependencyVersion(dependId: string, version: number): Promise<void> {
    await this.call({ method: "DELETE", root: "/fgs/dependencies", sub: `/${seg(dependId)}/version/${version}`,
      schema: undefined, idempotent: true, absentOk: [404] });
  }
}
