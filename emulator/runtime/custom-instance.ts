/**
 * One instance of a Custom-runtime function: the package's executable `bootstrap`, started with
 * `RUNTIME_API_ADDR` pointing at a runtime API served for this instance alone on a loopback port. The bootstrap
 * pulls each event with `GET /v1/runtime/invocation/request` and answers with
 * `POST /v1/runtime/invocation/response/{id}` or `…/error/{id}` (`{errorType, errorMessage}`). The instance is
 * ready when the bootstrap first asks for work. Its stdout/stderr are the call's log. When the instance runs as a
 * uid of its own (the sandbox as root), its runtime API accepts connections from that uid only: another
 * function on the same loopback cannot pull this one's events (and their credentials) or answer for it.
 */
import type { ChildProcess } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { guardServer } from "../http/server-guards";
import type { AddressInfo } from "node:net";
import { InstanceLifecycle, type Instance } from "./instance";
import { spawnInstance, type LaunchSpec } from "./launch";
import { killGroup, loopbackPeerUid, peakMemoryMB } from "./process-tools";
import { INVOKE_LIMITS } from "./options";
import { InstanceStartError, type CallOutcome, type InvokeRequest } from "./protocol";

type Answer = { kind: "response"; body: Buffer } | { kind: "error"; body: Buffer };

const REQUEST_PATH = "/v1/runtime/invocation/request";
const ANSWER_PATH = /^\/v1\/runtime\/invocation\/(response|error)\/([^/]+)$/;

/**
 * The body of a request from the bootstrap, or — as soon as it passes `cap` — the size read so far (the request
 * is then left unread: function code chooses what it POSTs, and the emulator holds no more than an answer's limit).
 */
function readAll(req: IncomingMessage, cap: number): Promise<Buffer | { tooLarge: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= cap) return void chunks.push(c);
      req.off("data", onData);
      req.pause();
      resolve({ tooLarge: size });
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** A Custom-runtime instance with its own runtime API. */
export class CustomInstance extends InstanceLifecycle implements Instance {
  private child: ChildProcess | undefined;
  private server: Server | undefined;
  private polling: ServerResponse | undefined;
  private onPoll: (() => void) | undefined;
  private current: { req: InvokeRequest; answer: (a: Answer) => void } | undefined;
  private onGone: (() => void) | undefined;
  private log: (text: string) => void = () => {};

  constructor(private readonly spec: LaunchSpec) {
    super();
  }

  /** Also closes this instance's runtime API and fails the call in progress. */
  protected override markExited(): void {
    if (this.exited) return;
    this.server?.close();
    this.server?.closeAllConnections();
    this.onGone?.();
    super.markExited();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    if (req.method === "GET" && url === REQUEST_PATH) {
      this.polling = res;
      const cb = this.onPoll;
      this.onPoll = undefined;
      cb?.();
      return;
    }
    const m = ANSWER_PATH.exec(url);
    if (req.method === "POST" && m) {
      const cap = INVOKE_LIMITS.syncPayloadBytes;
      void readAll(req, cap).then((body) => {
        const cur = this.current;
        if (!cur || cur.req.requestId !== decodeURIComponent(m[2])) {
          res.writeHead(404, { "Content-Type": "application/json", Connection: "close" }).end(JSON.stringify({ errorMessage: "no such request" }), () => {
            if (!Buffer.isBuffer(body)) req.destroy();
          });
          return;
        }
        if (!Buffer.isBuffer(body)) {
          const errorMessage = `the function's answer is more than the ${cap} bytes allowed (FSS.1201)`;
          res.writeHead(413, { "Content-Type": "application/json", Connection: "close" }).end(JSON.stringify({ errorMessage }), () => req.destroy());
          cur.answer({ kind: "error", body: Buffer.from(JSON.stringify({ errorType: "ResponseTooLarge", errorMessage })) });
          return;
        }
        res.writeHead(202, { "Content-Type": "application/json" }).end("{}");
        cur.answer({ kind: m[1] === "response" ? "response" : "error", body });
      }, () => res.destroy());
      return;
    }
    req.resume();
    res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ errorMessage: `unknown runtime API path ${url}` }));
  }

  async start(_init: InvokeRequest, timeoutMs: number, log: (text: string) => void): Promise<void> {
    this.log = log;
    const server = createServer((req, res) => this.handle(req, res));
    guardServer(server, { refuseFunctions: false }); // its own bootstrap must reach it (its peer is checked below)
    this.server = server;
    const ownUid = this.spec.ownUid;
    if (ownUid !== undefined) {
      server.on("connection", (socket) => {
        const peer = socket.remotePort === undefined || socket.remoteAddress === undefined ? undefined
          : loopbackPeerUid({ address: socket.remoteAddress, port: socket.remotePort }, { address: socket.localAddress ?? "127.0.0.1", port: socket.localPort ?? 0 });
        if (peer !== ownUid) socket.destroy();
      });
    }
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const env = { ...(this.spec.options.env as Record<string, string>), RUNTIME_API_ADDR: `127.0.0.1:${port}` };
    const ready = new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(`the bootstrap did not ask for work within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
      this.onPoll = () => {
        clearTimeout(timer);
        resolve(undefined);
      };
      this.onGone = () => {
        clearTimeout(timer);
        resolve("the bootstrap exited before asking for work");
      };
    });
    try {
      this.child = spawnInstance(this.spec, env);
    } catch (err) {
      this.markExited();
      throw new InstanceStartError(`cannot start bootstrap: ${(err as Error).message}`, "RuntimeStartError");
    }
    this.child.on("error", (err) => {
      this.log(`bootstrap could not run: ${err.message}\n`);
      this.markExited();
    });
    this.child.on("exit", () => this.markExited());
    this.child.stdout?.on("data", (c: Buffer) => this.log(c.toString("utf8")));
    this.child.stderr?.on("data", (c: Buffer) => this.log(c.toString("utf8")));
    const problem = await ready;
    if (problem) {
      this.stop();
      throw new InstanceStartError(problem, "RuntimeStartError");
    }
  }

  async call(req: InvokeRequest, timeoutMs: number, log: (text: string) => void): Promise<CallOutcome> {
    this.log = log;
    if (!this.alive) return { kind: "crash", errorMessage: "the instance is not running", memoryMB: 0 };
    const outcome = await new Promise<Answer | "timeout" | "gone">((resolve) => {
      const timer = setTimeout(() => resolve("timeout"), timeoutMs);
      const finish = (v: Answer | "timeout" | "gone") => {
        clearTimeout(timer);
        resolve(v);
      };
      this.current = { req, answer: finish };
      this.onGone = () => finish("gone");
      const deliver = () => {
        const res = this.polling;
        this.polling = undefined;
        if (!res || res.destroyed) return finish("gone");
        const body = Buffer.from(req.event, "utf8");
        const creds = req.credentials ?? {};
        res.writeHead(200, {
          "Content-Type": "application/json", "Content-Length": body.length,
          "X-Cff-Request-Id": req.requestId, "X-CFF-Access-Key": creds.accessKey ?? "", "X-CFF-Secret-Key": creds.secretKey ?? "",
          "X-CFF-Auth-Token": creds.token ?? "", "X-CFF-Security-Token": creds.securityToken ?? "", "X-CFF-Invoke-Type": req.invokeType,
        });
        res.end(body);
      };
      if (this.polling) deliver();
      else this.onPoll = deliver;
    });
    this.current = undefined;
    this.onGone = undefined;
    // stdout/stderr travel on other pipes than the answer: give them a moment to drain into this call's log.
    await new Promise((r) => setTimeout(r, 15));
    const memoryMB = peakMemoryMB(this.child?.pid);
    if (outcome === "timeout") {
      this.stop();
      return { kind: "timeout", memoryMB };
    }
    if (outcome === "gone") return { kind: "crash", errorMessage: "the bootstrap exited during the call", memoryMB };
    if (outcome.kind === "response") return { kind: "ok", result: outcome.body, memoryMB };
    let shape: { errorType?: unknown; errorMessage?: unknown } = {};
    try {
      const parsed = JSON.parse(outcome.body.toString("utf8")) as unknown;
      shape = parsed && typeof parsed === "object" ? parsed as typeof shape : { errorMessage: outcome.body.toString("utf8") };
    } catch {
      shape = { errorMessage: outcome.body.toString("utf8") };
    }
    return {
      kind: "error", memoryMB,
      errorType: typeof shape.errorType === "string" ? shape.errorType : "FunctionError",
      errorMessage: typeof shape.errorMessage === "string" ? shape.errorMessage : JSON.stringify(shape.errorMessage ?? ""),
    };
  }

  stop(): void {
    this.stopped = true;
    killGroup(this.child?.pid);
    this.polling?.destroy();
    this.server?.close();
    this.server?.closeAllConnections();
    if (!this.child) this.markExited();
  }
}
