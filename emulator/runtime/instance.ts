/**
 * One instance of a Node.js or Python function: a child process running the runner script, driven over the
 * line protocol (protocol.ts). It starts (loading the handler and running the initializer once), serves calls
 * (several at once when the pool shares it: each call waits for the result with its request id, and log lines
 * tagged with that id go to its log), and is killed — with its whole process group — on a timeout, a crash,
 * idleness or close.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { boundedLines } from "./bounded-lines";
import type { Readable, Writable } from "node:stream";
import { spawnInstance, type LaunchSpec } from "./launch";
import { outOfMemoryKilled } from "./memory-cgroup";
import { killGroup, peakMemoryMB } from "./process-tools";
import { InstanceStartError, MAX_MESSAGE_BYTES, parseRunnerMessage, type CallOutcome, type InvokeRequest, type RunnerMessage } from "./protocol";

/** What the pool needs from an instance of any kind. */
export interface Instance {
  readonly id: string;
  /** False once the process exited or was killed. */
  readonly alive: boolean;
  /** Starts the process and runs the initializer; rejects with `InstanceStartError` (the instance is then dead). */
  start(init: InvokeRequest, timeoutMs: number, log: (text: string) => void): Promise<void>;
  /** Runs one call; never rejects. A timeout or crash leaves the instance dead. */
  call(req: InvokeRequest, timeoutMs: number, log: (text: string) => void): Promise<CallOutcome>;
  /** Kills the instance (idempotent). */
  stop(): void;
  /** Called once when the process is gone. */
  onExit(cb: () => void): void;
}

/** `oom`: the kernel killed it at its memory cgroup's limit (read at the exit, before the cgroup is removed). */
type Waiter = (m: RunnerMessage | { type: "exit"; code: number | null; signal: string | null; oom?: boolean } | { type: "timeout" }) => void;

/** What every kind of instance shares: alive until it exits or is stopped, exit callbacks run once. */
export abstract class InstanceLifecycle {
  readonly id = randomUUID();
  protected exited = false;
  protected stopped = false;
  private readonly exitCallbacks: Array<() => void> = [];

  get alive(): boolean {
    return !this.exited && !this.stopped;
  }

  onExit(cb: () => void): void {
    if (this.exited) cb();
    else this.exitCallbacks.push(cb);
  }

  /** Records the exit (once) and runs the exit callbacks. */
  protected markExited(): void {
    if (this.exited) return;
    this.exited = true;
    for (const cb of this.exitCallbacks.splice(0)) cb();
  }
}

/** A runner process (Node.js or Python). */
export class ProcessInstance extends InstanceLifecycle implements Instance {
  private child: ChildProcess | undefined;
  /** Who waits for the start's answer (`ready` / `init-error`). */
  private startWaiter: Waiter | undefined;
  /** Calls in progress by request id: their log and who waits for their result. */
  private readonly calls = new Map<string, { log: (text: string) => void; resolve: Waiter }>();
  /** Where untagged output goes: the log of the latest call (or of the start). */
  private log: (text: string) => void = () => {};

  constructor(private readonly spec: LaunchSpec) {
    super();
  }

  /** Waits for the start's answer (or exit / timeout). */
  private nextStart(timeoutMs: number): Promise<Parameters<Waiter>[0]> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.startWaiter = undefined;
        resolve({ type: "timeout" });
      }, timeoutMs);
      this.startWaiter = (m) => {
        clearTimeout(timer);
        this.startWaiter = undefined;
        resolve(m);
      };
    });
  }

  private deliver(m: Parameters<Waiter>[0]): void {
    if (m.type === "log") return (m.requestId !== undefined ? this.calls.get(m.requestId)?.log ?? this.log : this.log)(m.data);
    if (m.type === "result") return this.calls.get(m.requestId)?.resolve(m);
    if (m.type === "exit") for (const c of [...this.calls.values()]) c.resolve(m);
    this.startWaiter?.(m);
  }

  async start(init: InvokeRequest, timeoutMs: number, log: (text: string) => void): Promise<void> {
    this.log = log;
    let child: ChildProcess;
    try {
      child = spawnInstance(this.spec);
    } catch (err) {
      this.markExited();
      throw new InstanceStartError(`cannot start ${this.spec.command}: ${(err as Error).message}`, "RuntimeStartError");
    }
    this.child = child;
    child.on("error", (err) => {
      log(`runtime process error: ${err.message}\n`);
      this.deliver({ type: "exit", code: null, signal: null });
      this.markExited();
    });
    child.on("exit", (code, signal) => {
      this.deliver({ type: "exit", code, signal, oom: this.spec.cgroup !== undefined && outOfMemoryKilled(this.spec.cgroup) });
      this.markExited();
    });
    // Output that bypasses the runner's stream patches (native writes) still reaches the current call's log.
    child.stdout?.on("data", (c: Buffer) => this.log(c.toString("utf8")));
    child.stderr?.on("data", (c: Buffer) => this.log(c.toString("utf8")));
    (child.stdin as Writable | null)?.on("error", () => {});
    boundedLines(child.stdio[3] as Readable, MAX_MESSAGE_BYTES, (line) => {
      const msg = parseRunnerMessage(line);
      if (msg) this.deliver(msg);
      else this.log(line + "\n");
    }, () => {
      this.log(`the runtime wrote a line of more than ${MAX_MESSAGE_BYTES} bytes on its protocol descriptor (fd 3): the instance is stopped\n`);
      this.stop();
    });
    this.send({ type: "init", ...init });
    const m = await this.nextStart(timeoutMs);
    if (m.type === "ready") return;
    this.stop();
    if (m.type === "init-error") throw new InstanceStartError(m.errorMessage, m.errorType);
    if (m.type === "timeout") throw new InstanceStartError(`the initializer did not finish within ${Math.round(timeoutMs / 1000)} s`, "InitializerTimeout");
    if (m.type === "exit") throw new InstanceStartError(`the runtime process exited while starting (${m.signal ?? `code ${m.code}`})`, "RuntimeExitError");
    throw new InstanceStartError(`unexpected message '${m.type}' while starting`, "RuntimeError");
  }

  private send(msg: unknown): void {
    const stdin = this.child?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(JSON.stringify(msg) + "\n");
  }

  async call(req: InvokeRequest, timeoutMs: number, log: (text: string) => void): Promise<CallOutcome> {
    this.log = log;
    if (this.exited) return { kind: "crash", errorMessage: "the instance is not running", memoryMB: 0 };
    const m = await new Promise<Parameters<Waiter>[0]>((resolve) => {
      const timer = setTimeout(() => resolve({ type: "timeout" }), timeoutMs);
      this.calls.set(req.requestId, { log, resolve: (msg) => {
        clearTimeout(timer);
        resolve(msg);
      } });
      this.send({ type: "invoke", ...req });
    });
    this.calls.delete(req.requestId);
    if (m.type === "result") {
      const memoryMB = Math.max(m.memoryMB ?? 0, 0);
      return m.ok ? { kind: "ok", result: Buffer.from(m.result, "utf8"), memoryMB }
        : { kind: "error", errorMessage: m.errorMessage, errorType: m.errorType, memoryMB };
    }
    if (m.type === "timeout") {
      const memoryMB = peakMemoryMB(this.child?.pid);
      this.stop(); // the calls it shared the instance with end as crashes
      return { kind: "timeout", memoryMB };
    }
    if (m.type === "exit") {
      const why = m.signal ?? `exit code ${m.code}`;
      return { kind: "crash", errorMessage: m.oom ? `the function ran out of memory: the kernel killed its process at the instance's memory limit (${why})`
        : `the function's process exited during the call (${why})`, memoryMB: 0 };
    }
    return { kind: "crash", errorMessage: `unexpected message '${m.type}' during the call`, memoryMB: 0 };
  }

  stop(): void {
    this.stopped = true;
    killGroup(this.child?.pid);
    this.child?.stdin?.destroy();
    if (!this.child) this.markExited();
  }
}
