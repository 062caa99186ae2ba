/**
 * The emulator's API gateway: one loopback port serving the APIG triggers stored on the functions (routes:
 * apig-routes.ts). Each request becomes the service's APIG event (`body` Base64 with `isBase64Encoded: true`,
 * `requestContext {apiId, requestId, stage, sourceIp}`, `queryStringParameters`, `httpMethod`, `pathParameters`,
 * `headers`, `path`), runs as a sync invocation of the trigger's function (version or alias), and the function's
 * `{statusCode, headers, body, isBase64Encoded}` becomes the HTTP answer; anything else (a failure, another
 * shape) is a 500 `APIG.0206`, as the service's gateway answers. Unknown paths are 404 `APIG.0101`, a known path
 * with another method 405 `APIG.0102` [inferred]. `auth: IAM` (and `APP` [inferred: the emulator has no apps, so
 * the account's AK/SK stand in for the app's key and secret; same signing]) requires a request signed with the
 * emulator's credentials or an accepted `X-Auth-Token`: 401 `APIG.0301` / `APIG.0303` otherwise; `NONE` is open.
 *
 * The port is the data dir's (store/home-port.ts): chosen on the first start with a data dir (or by `apigPort`) and
 * kept in `<dataDir>/apig.json`, so a trigger's `invoke_url` (rendered from the gateway's origin) stays the same
 * across restarts. When that port is taken, a free one serves this run (a warning says so; the API's
 * `invoke_url` shows the port in use) and the file keeps the old one for the next start.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { guardServer } from "../http/server-guards";
import { listenOnLoopback } from "../http/loopback-listen";
import type { EmulatorContext } from "../context";
import { ApiError } from "../http/errors";
import { preAuthenticate } from "../http/gateway-auth";
import { parseJsonObject } from "../http/json-object";
import { listenAtHome } from "../store/home-port";
import { apigRoutes, findRoute, type ApigMatch } from "./apig-routes";
import { INVOKE_LIMITS } from "../runtime/options";

/** Runs `event` (JSON text) synchronously on `urn`: the outcome's success and result text. */
export type InvokeSyncFn = (urn: string, event: string) => Promise<{ ok: boolean; result: string }>;

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

/** The APIG event of a request matched to `match`. */
export function apigEvent(req: IncomingMessage, body: Buffer, match: Pick<ApigMatch, "path" | "pathParameters"> & { route: { apiId: string; env: string } }): Record<string, unknown> {
  const url = new URL(req.url ?? "/", "http://gateway");
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(",") : v;
  return {
    body: body.toString("base64"),
    requestContext: {
      apiId: match.route.apiId, requestId: randomUUID().replace(/-/g, ""), stage: match.route.env,
      sourceIp: req.socket.remoteAddress ?? "",
    },
    queryStringParameters: Object.fromEntries(url.searchParams),
    httpMethod: req.method ?? "GET",
    pathParameters: match.pathParameters,
    headers,
    path: match.path,
    isBase64Encoded: true,
  };
}

/** The HTTP answer of a function result, or undefined when it is not an APIG response. */
export function apigAnswer(result: string): { status: number; headers: Record<string, string>; body: Buffer } | undefined {
  const r = parseJsonObject(result);
  if (!r) return undefined;
  const { statusCode, headers, body, isBase64Encoded } = r;
  if (typeof statusCode !== "number" || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (body !== undefined && body !== null && typeof body !== "string") return undefined;
  const h: Record<string, string> = {};
  if (headers && typeof headers === "object") for (const [k, v] of Object.entries(headers)) h[k] = String(v);
  return { status: statusCode, headers: h, body: Buffer.from(body ?? "", isBase64Encoded ? "base64" : "utf8") };
}

function gatewayError(res: ServerResponse, status: number, code: string, msg: string): void {
  const text = JSON.stringify({ error_code: code, error_msg: msg });
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) }).end(text);
}

/** The API gateway of one emulator. */
export class ApigGateway {
  private server: Server | undefined;
  private origin = "";

  constructor(private readonly ctx: EmulatorContext, private readonly invokeSync: InvokeSyncFn) {}

  /**
   * Starts serving: on `port` when given (its failure is the caller's error), else on the data dir's kept port
   * (falling back to a free one when taken), else a free port (store/home-port.ts `listenAtHome`).
   */
  async listen(opts: { port?: number; dataDir?: string; warn: (msg: string) => void }): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    guardServer(server, { refuseFunctions: false }); // public invoke URLs: function code may call them too
    const port = await listenAtHome({
      name: "apig", dataDir: opts.dataDir, explicit: opts.port, what: "the API gateway (APIG triggers: their invoke_url shows the port in use)",
      option: "--apig-port", warn: opts.warn,
    }, (p) => listenOnLoopback(server, p, "127.0.0.1", "the API gateway", opts.warn));
    this.server = server;
    this.origin = `http://127.0.0.1:${port}`;
  }

  /** The gateway's origin, e.g. `http://127.0.0.1:43121` ("" before `listen`). */
  url(): string {
    return this.origin;
  }

  private authenticate(match: ApigMatch, req: IncomingMessage, body: Buffer): ApiError | undefined {
    if (match.route.auth === "NONE") return undefined;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    try {
      preAuthenticate({ method: req.method ?? "GET", rawPath: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? "" : url.slice(q + 1), headers: req.headers },
        this.ctx.options.credentials, this.ctx.options.clockSkewToleranceMs).complete(body);
      return undefined;
    } catch (e) {
      const detail = e instanceof Error ? e.message.replace(/^Incorrect IAM authentication information: /, "") : String(e);
      return match.route.auth === "IAM"
        ? new ApiError(401, "APIG.0301", `Incorrect IAM authentication information: ${detail}`)
        : new ApiError(401, "APIG.0303", `Incorrect app authentication information: ${detail}`);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const rawPath = (req.url ?? "/").split("?")[0];
      const found = findRoute(apigRoutes(this.ctx), req.method ?? "GET", rawPath);
      if (!found || "methodNotAllowed" in found) {
        req.resume();
        return found ? gatewayError(res, 405, "APIG.0102", `the API does not accept ${req.method}`)
          : gatewayError(res, 404, "APIG.0101", "The API does not exist or has not been published in the environment");
      }
      const body = await readBody(req, INVOKE_LIMITS.syncPayloadBytes);
      if (!body) return gatewayError(res, 413, "APIG.0201", "request body too large");
      const denied = this.authenticate(found, req, body);
      if (denied) return gatewayError(res, denied.status, denied.code, denied.message);
      const out = await this.invokeSync(found.route.functionUrn, JSON.stringify(apigEvent(req, body, found)));
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

  /** Stops serving. */
  close(): void {
    this.server?.close();
    this.server?.closeAllConnections();
    this.server = undefined;
  }
}
