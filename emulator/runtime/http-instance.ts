/**
 * One instance of an HTTP function (runtime `http`): the package's `bootstrap` starts a web server on
 * 127.0.0.1:8000. Each instance runs in the sandbox like every function (sandbox.ts: its function's own uid, its
 * own PID namespace, code read-only) with a network namespace of its own besides (`network: "none"`), so every
 * instance has its own port 8000 as in the service. The launch (launch.ts) starts the relay (runner-http.ts) in
 * front of the bootstrap; the emulator reaches the server through the relay's Unix socket in the instance's
 * temp dir (the sandbox's `/tmp` is that host dir, so one socket file serves both sides). The instance is ready
 * when the relay's socket appears (port 8000 accepts).
 *
 * A call's event is an APIG event (what the gateway sends; `fgs invoke`/the SDK may send one too): it becomes the
 * HTTP request — `httpMethod`, `path`, `queryStringParameters`, `headers`, `body` (Base64 unless
 * `isBase64Encoded: false`) — plus the service's headers `X-CFF-Request-Id`, `X-CFF-Memory`, `X-CFF-Timeout`,
 * `X-CFF-Func-Version`, `X-CFF-Func-Name`, `X-CFF-Project-Id`, `X-CFF-Package`, `X-CFF-Region`. Another event
 * is sent as `POST /` with the event as its JSON body [inferred]. The answer is `{statusCode, headers, body
 * (Base64), isBase64Encoded: true}` (the service's default encoding). The server's output is the log of the
 * latest call (it cannot be told apart per call).
 */
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { request } from "node:http";
import { InstanceLifecycle, type Instance } from "./instance";
import { spawnInstance, type LaunchSpec } from "./launch";
import { INVOKE_LIMITS } from "./options";
import { killGroup, peakMemoryMB } from "./process-tools";
import { InstanceStartError, type CallOutcome, type InvokeRequest } from "./protocol";

/** The HTTP request of an event (see the file comment). */
export function httpRequestOf(event: string): { method: string; path: string; headers: Record<string, string>; body: Buffer } {
  let e: unknown;
  try {
    e = JSON.parse(event);
  } catch {
    e = undefined;
  }
  const o = e && typeof e === "object" && !Array.isArray(e) ? (e as Record<string, unknown>) : undefined;
  if (!o || typeof o.httpMethod !== "string") {
    return { method: "POST", path: "/", headers: { "content-type": "application/json" }, body: Buffer.from(event, "utf8") };
  }
  const query = new URLSearchParams();
  const q = o.queryStringParameters;
  if (q && typeof q === "object") for (const [k, v] of Object.entries(q)) query.append(k, String(v));
  const headers: Record<string, string> = {};
  if (o.headers && typeof o.headers === "object") {
    for (const [k, v] of Object.entries(o.headers)) {
      if (!["host", "content-length", "connection", "transfer-encoding"].includes(k.toLowerCase())) headers[k.toLowerCase()] = String(v);
    }
  }
  const raw = typeof o.body === "string" ? o.body : "";
  const body = Buffer.from(raw, o.isBase64Encoded === false ? "utf8" : "base64");
  const p = typeof o.path === "string" && o.path.startsWith("/") ? o.path : "/";
  const qs = query.toString();
  return { method: o.httpMethod.toUpperCase(), path: qs ? `${p}?${qs}` : p, headers, body };
}

/** An HTTP-function instance. */
export class HttpInstance extends InstanceLifecycle implements Instance {
  private child: ChildProcess | undefined;
  private log: (text: string) => void = () => {};
  private readonly inFlight = new Set<() => void>();
  /**
   * The relay's socket, held open (O_PATH, never through a link) once it appeared: the socket's path is in the
   * function's writable /tmp, so the function may later replace it with a link to a host socket; requests go to
   * `/proc/self/fd/<fd>`, the socket the relay bound, whatever the path then holds.
   */
  private socketFd: number | undefined;

  /** `headers`: the per-function `X-CFF-*` headers (the request id is added per call). */
  constructor(private readonly spec: LaunchSpec, private readonly socketPath: string, private readonly headers: Record<string, string>) {
    super();
  }

  protected override markExited(): void {
    if (this.exited) return;
    for (const gone of [...this.inFlight]) gone();
    this.closeSocket();
    super.markExited();
  }

  async start(_init: InvokeRequest, timeoutMs: number, log: (text: string) => void): Promise<void> {
    this.log = log;
    try {
      this.child = spawnInstance(this.spec);
    } catch (err) {
      this.markExited();
      throw new InstanceStartError(`cannot start the HTTP function: ${(err as Error).message}`, "RuntimeStartError");
    }
    this.child.on("error", (err) => {
      this.log(`the HTTP function could not run: ${err.message}\n`);
      this.markExited();
    });
    this.child.on("exit", () => this.markExited());
    this.child.stdout?.on("data", (c: Buffer) => this.log(c.toString("utf8")));
    this.child.stderr?.on("data", (c: Buffer) => this.log(c.toString("utf8")));
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        this.socketFd = openRelaySocket(this.socketPath);
      } catch (err) {
        this.stop();
        throw err;
      }
      if (this.socketFd !== undefined) break;
      if (this.exited) throw new InstanceStartError("the bootstrap exited before its server listened on 127.0.0.1:8000", "RuntimeStartError");
      if (Date.now() > end) {
        this.stop();
        throw new InstanceStartError(`nothing listened on 127.0.0.1:8000 within ${Math.round(timeoutMs / 1000)} s of starting the bootstrap`, "RuntimeStartError");
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  async call(req: InvokeRequest, timeoutMs: number, log: (text: string) => void): Promise<CallOutcome> {
    this.log = log;
    if (!this.alive) return { kind: "crash", errorMessage: "the instance is not running", memoryMB: 0 };
    const http = httpRequestOf(req.event);
    const cap = INVOKE_LIMITS.syncPayloadBytes;
    const outcome = await new Promise<CallOutcome | "timeout">((resolve) => {
      let done = false;
      const finish = (v: CallOutcome | "timeout") => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.inFlight.delete(gone);
        resolve(v);
      };
      const gone = () => finish({ kind: "crash", errorMessage: "the HTTP function's process exited during the call", memoryMB: 0 });
      this.inFlight.add(gone);
      const timer = setTimeout(() => finish("timeout"), timeoutMs);
      const out = request({
        socketPath: `/proc/self/fd/${this.socketFd}`, method: http.method, path: http.path, agent: false,
        headers: { ...http.headers, ...this.headers, "x-cff-request-id": req.requestId, "content-length": String(http.body.length) },
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size <= cap) chunks.push(c);
        });
        res.on("error", (e) => finish({ kind: "error", errorMessage: `the HTTP function's answer broke off: ${e.message}`, errorType: "HttpFunctionError", memoryMB: 0 }));
        res.on("end", () => {
          if (size > cap) {
            return finish({ kind: "error", errorMessage: `the HTTP function's answer is ${size} bytes, more than the ${cap} allowed (FSS.1201)`, errorType: "ResponseTooLarge", memoryMB: 0 });
          }
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined && !["connection", "transfer-encoding", "keep-alive", "content-length"].includes(k)) headers[k] = Array.isArray(v) ? v.join(", ") : v;
          }
          const answer = { statusCode: res.statusCode ?? 502, headers, body: Buffer.concat(chunks).toString("base64"), isBase64Encoded: true };
          finish({ kind: "ok", result: Buffer.from(JSON.stringify(answer), "utf8"), memoryMB: 0 });
        });
      });
      out.on("error", (e) => finish({ kind: "error", errorMessage: `the HTTP function did not answer: ${e.message}`, errorType: "HttpFunctionError", memoryMB: 0 }));
      out.end(http.body);
    });
    // Output travels on other pipes than the answer: give it a moment to reach this call's log.
    await new Promise((r) => setTimeout(r, 15));
    const memoryMB = peakMemoryMB(this.child?.pid);
    if (outcome === "timeout") {
      this.stop();
      return { kind: "timeout", memoryMB };
    }
    return { ...outcome, memoryMB };
  }

  stop(): void {
    this.stopped = true;
    killGroup(this.child?.pid);
    this.closeSocket();
    if (!this.child) this.markExited();
  }

  private closeSocket(): void {
    if (this.socketFd === undefined) return;
    try {
      fs.closeSync(this.socketFd);
    } catch {
      /* already closed */
    }
    this.socketFd = undefined;
  }
}

/** Linux's O_PATH: an fd naming a file (here a socket) without opening it for I/O. */
const O_PATH = 0o10000000;

/**
 * An O_PATH descriptor of the relay's socket at `socketPath`, undefined while nothing is there yet; throws an
 * `InstanceStartError` when something else is (a link — say to a host socket the function cannot reach itself —
 * a file or a directory): the path is in the function's writable /tmp and must never lead the emulator elsewhere.
 */
export function openRelaySocket(socketPath: string): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(socketPath, O_PATH | fs.constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InstanceStartError(`the HTTP function's relay socket cannot be opened: ${(err as Error).message}`, "RuntimeStartError");
  }
  if (fs.fstatSync(fd).isSocket()) return fd;
  fs.closeSync(fd);
  throw new InstanceStartError("the HTTP function replaced its relay socket in /tmp with something else (a link?): refused", "RuntimeStartError");
}
