/**
 * APIG triggers served on a local port: each HTTP request becomes the service's APIG event (`body` Base64,
 * `requestContext {apiId, requestId, stage}`, `queryStringParameters`, `httpMethod`, `pathParameters`,
 * `headers`, `path`, `isBase64Encoded: true`), runs as a sync invocation, and the function's
 * `{statusCode, headers, body, isBase64Encoded}` becomes the HTTP answer; anything else (a failure, another
 * shape) is a 500 from the gateway, as in the service. Created through `/__admin/http-triggers` until trigger
 * resources exist in the store.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { INVOKE_LIMITS } from "./options";

/** Runs `event` (JSON text) synchronously on `urn`: the outcome's success and result text. */
export type InvokeSyncFn = (urn: string, event: string) => Promise<{ ok: boolean; result: string }>;

/** An APIG trigger served locally. */
export interface HttpTrigger {
  trigger_id: string;
  function_urn: string;
  /** e.g. `http://127.0.0.1:43121` */
  url: string;
  port: number;
  /** The stage in `requestContext` (default RELEASE). */
  stage: string;
}

function readBody(req: IncomingMessage, cap: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= cap) chunks.push(c);
    });
    req.on("end", () => resolve(size > cap ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The APIG event of a request. */
export function apigEvent(req: IncomingMessage, body: Buffer, stage: string, apiId: string): Record<string, unknown> {
  const url = new URL(req.url ?? "/", "http://gateway");
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(",") : v;
  return {
    body: body.toString("base64"),
    requestContext: { apiId, requestId: randomUUID().replace(/-/g, ""), stage },
    queryStringParameters: Object.fromEntries(url.searchParams),
    httpMethod: req.method ?? "GET",
    pathParameters: {},
    headers,
    path: url.pathname,
    isBase64Encoded: true,
  };
}

/** The HTTP answer of a function result, or undefined when it is not an APIG response. */
export function apigAnswer(result: string): { status: number; headers: Record<string, string>; body: Buffer } | undefined {
  let r: unknown;
  try {
    r = JSON.parse(result);
  } catch {
    return undefined;
  }
  if (!r || typeof r !== "object" || Array.isArray(r)) return undefined;
  const { statusCode, headers, body, isBase64Encoded } = r as Record<string, unknown>;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (body !== undefined && typeof body !== "string") return undefined;
  const h: Record<string, string> = {};
  if (headers && typeof headers === "object") for (const [k, v] of Object.entries(headers)) h[k] = String(v);
  return { status: statusCode, headers: h, body: Buffer.from(body ?? "", isBase64Encoded ? "base64" : "utf8") };
}

function gatewayError(res: ServerResponse, status: number, code: string, msg: string): void {
  const text = JSON.stringify({ error_code: code, error_msg: msg });
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) }).end(text);
}

/** The locally served APIG triggers of one emulator. */
export class ApigGateway {
  private readonly servers = new Map<string, { trigger: HttpTrigger; server: Server }>();

  constructor(private readonly invokeSync: InvokeSyncFn) {}

  /** Starts serving `function_urn` on `port` (0: a free one) of 127.0.0.1. */
  async add(spec: { function_urn: string; port?: number; stage?: string }): Promise<HttpTrigger> {
    const id = randomUUID();
    const stage = spec.stage ?? "RELEASE";
    const server = createServer((req, res) => void this.handle(spec.function_urn, stage, id, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(spec.port ?? 0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const trigger: HttpTrigger = { trigger_id: id, function_urn: spec.function_urn, url: `http://127.0.0.1:${port}`, port, stage };
    this.servers.set(id, { trigger, server });
    return trigger;
  }

  private async handle(urn: string, stage: string, apiId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readBody(req, INVOKE_LIMITS.syncPayloadBytes);
      if (!body) return gatewayError(res, 413, "APIG.0201", "request body too large");
      const out = await this.invokeSync(urn, JSON.stringify(apigEvent(req, body, stage, apiId)));
      const answer = out.ok ? apigAnswer(out.result) : undefined;
      if (!answer) {
        return gatewayError(res, 500, "APIG.0206", out.ok
          ? "the function's answer is not an APIG response {statusCode, headers, body, isBase64Encoded}"
          : "the function failed");
      }
      res.writeHead(answer.status, { ...answer.headers, "Content-Length": answer.body.length }).end(answer.body);
    } catch (e) {
      if (!res.headersSent) gatewayError(res, 502, "APIG.0202", `backend unavailable: ${(e as Error).message}`);
    }
  }

  /** Every served trigger. */
  list(): HttpTrigger[] {
    return [...this.servers.values()].map((s) => s.trigger);
  }

  /** Stops serving a trigger; false when absent. */
  remove(id: string): boolean {
    const s = this.servers.get(id);
    if (!s) return false;
    s.server.close();
    s.server.closeAllConnections();
    this.servers.delete(id);
    return true;
  }

  /** Stops every server. */
  close(): void {
    for (const id of [...this.servers.keys()]) this.remove(id);
  }
}
