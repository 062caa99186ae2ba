/**
 * Test helpers for the emulator suite: zip and import-package builders, the official SDK client pointed at an
 * emulator, and a small independent AK/SK signer (written from the doc, sharing no code with the emulator's
 * verifier) for raw HTTP requests the SDK cannot make (e.g. `%3A`-encoded URNs, skewed dates).
 */
import { createHash, createHmac } from "node:crypto";
import * as http from "node:http";
import archiver from "archiver";
import type { EmulatorHandle } from "../../emulator";

/** A file: its bytes, or its bytes with a mode (a Custom runtime's executable `bootstrap`). */
export type ZipFile = string | Buffer | { data: string | Buffer; mode: number };

/** Zips `files` in memory with archiver (mode 0644 unless given). */
export function zip(files: Record<string, ZipFile>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const a = archiver("zip");
    const chunks: Buffer[] = [];
    a.on("data", (c: Buffer) => chunks.push(c));
    a.on("error", reject);
    a.on("end", () => resolve(Buffer.concat(chunks)));
    for (const [name, f] of Object.entries(files)) {
      if (typeof f === "string" || Buffer.isBuffer(f)) a.append(f, { name, mode: 0o644 });
      else a.append(f.data, { name, mode: f.mode });
    }
    void a.finalize();
  });
}

/** The documented YAML for `name` with optional property overrides (`undefined` removes a property). */
export function functionYaml(name: string, props: Record<string, unknown> = {}): string {
  const p: Record<string, unknown> = {
    Handler: "index.handler", Runtime: "Node.js18.15", CodeType: "zip", CodeFileName: "code.zip", DependencyPkg: "",
    Description: "", MemorySize: 256, Timeout: 30, Version: "latest", Environment: { Variables: { GREETING: "hi" } }, ...props,
  };
  const lines = [`HcCrmTemplateVersion: v1`, `Resources:`, `  ${name}:`, `    Type: HC::Serverless::Function`, `    Properties:`];
  for (const [k, v] of Object.entries(p)) if (v !== undefined) lines.push(`      ${k}: ${JSON.stringify(v)}`);
  return lines.join("\n") + "\n";
}

/** A valid code zip. */
export function codeZip(text = "exports.handler = async () => 'hello';\n"): Promise<Buffer> {
  return zip({ "index.js": text });
}

/** An import package: `<name>.yaml` + `code.zip` (overridable). */
export async function importPackage(name: string, opts: { yaml?: string; code?: Buffer; extra?: Record<string, string | Buffer> } = {}): Promise<Buffer> {
  return zip({ [`${name}.yaml`]: opts.yaml ?? functionYaml(name), "code.zip": opts.code ?? (await codeZip()), ...(opts.extra ?? {}) });
}

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
let fgModule: any;
/** The official FunctionGraph SDK module, loaded on first use (it takes ~0.5 s to load; most files never need it). */
export const fg: any = new Proxy({}, {
  get: (_t, prop) => (fgModule ??= require("@huaweicloud/huaweicloud-sdk-functiongraph"))[prop],
});

/** The official SDK client configured for the emulator (optionally with other keys). */
export function sdkClient(emu: EmulatorHandle, keys: { ak?: string; sk?: string; securityToken?: string } = {}) {
  const core = require("@huaweicloud/huaweicloud-sdk-core");
  let cred = new core.BasicCredentials()
    .withAk(keys.ak ?? emu.credentials.accessKey)
    .withSk(keys.sk ?? emu.credentials.secretKey)
    .withProjectId(emu.projectId);
  if (keys.securityToken) cred = cred.withSecurityToken(keys.securityToken);
  return fg.FunctionGraphClient.newBuilder().withCredential(cred).withEndpoint(emu.url).build();
}

/** Imports through the SDK. */
export function sdkImport(client: ReturnType<typeof sdkClient>, name: string, pkg: Buffer, app?: string) {
  const body = new fg.ImportFunctionRequestBody().withFuncName(name).withFileName(`${name}.zip`).withFileType("zip").withFileCode(pkg.toString("base64"));
  if (app) body.withPackage(app);
  return client.importFunction(new fg.ImportFunctionRequest().withBody(body));
}

/** Awaits a rejected SDK call and returns `{status, code}` of its error. */
export async function sdkError(p: Promise<unknown>): Promise<{ status: number; code: string; msg: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { httpStatusCode: number; errorCode: string; errorMsg: string };
    return { status: err.httpStatusCode, code: err.errorCode, msg: err.errorMsg };
  }
  throw new Error("expected the call to fail");
}

function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Signs per the doc: returns the headers to send (X-Sdk-Date, Authorization, plus the given ones). */
export function signHeaders(opts: {
  method: string; path: string; query?: Record<string, string>; headers: Record<string, string>; body?: Buffer | string;
  ak: string; sk: string; date?: Date;
}): Record<string, string> {
  const d = (opts.date ?? new Date()).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const headers: Record<string, string> = { ...opts.headers, "X-Sdk-Date": d };
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const uri = opts.path.split("/").map((s) => enc(decodeURIComponent(s))).join("/");
  const q = Object.entries(opts.query ?? {}).map(([k, v]) => `${enc(k)}=${enc(v)}`).sort().join("&");
  const canonical = [
    opts.method, uri.endsWith("/") ? uri : `${uri}/`, q, names.map((n) => `${n}:${lower[n].trim()}\n`).join(""), names.join(";"),
    createHash("sha256").update(opts.body ?? "").digest("hex"),
  ].join("\n");
  const sts = `SDK-HMAC-SHA256\n${d}\n${createHash("sha256").update(canonical).digest("hex")}`;
  const sig = createHmac("sha256", opts.sk).update(sts).digest("hex");
  headers.Authorization = `SDK-HMAC-SHA256 Access=${opts.ak}, SignedHeaders=${names.join(";")}, Signature=${sig}`;
  return headers;
}

/** A raw HTTP answer. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json(): { error_code?: string; error_msg?: string } & Record<string, unknown>;
}

/** Sends a raw request (path as given on the wire). */
export function rawRequest(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, json: () => JSON.parse(b.toString("utf8")) });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A signed raw API request: `subPath` is appended to `/v2/<project>/fgs/functions`. */
export function signedRequest(emu: EmulatorHandle, method: string, subPath: string, opts: {
  query?: Record<string, string>; body?: unknown; sk?: string; ak?: string; date?: Date; project?: string; extraHeaders?: Record<string, string>;
} = {}): Promise<RawResponse> {
  const path = `/v2/${opts.project ?? emu.projectId}/fgs/functions${subPath}`;
  const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  const host = new URL(emu.url).host;
  const headers = signHeaders({
    method, path, query: opts.query, body, ak: opts.ak ?? emu.credentials.accessKey, sk: opts.sk ?? emu.credentials.secretKey,
    date: opts.date, headers: { "Content-Type": "application/json", Host: host, ...(opts.extraHeaders ?? {}) },
  });
  const qs = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : "";
  return rawRequest(emu.url, method, path + qs, headers, body);
}
