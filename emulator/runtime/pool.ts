/**
 * The instances of one function version: a started instance with a free slot is shared (up to `perInstance`
 * calls at once: the function's `strategy_config.concurrent_num`), else a warm idle instance is reused (most
 * recently used first), else a new one starts while the version is under its instance limit, and calls beyond
 * that wait for a free slot. An instance still starting is not shared: calls arriving meanwhile start others
 * (up to the limit) or wait until it is ready. Idle instances are stopped after the idle time; `close()` stops
 * them all.
 */
import type { Instance } from "./instance";

/** An instance handed to a call; `cold` when the caller must start it first (then report `started`). */
export interface Lease {
  instance: Instance;
  cold: boolean;
}

interface Idle {
  instance: Instance;
  since: number;
}

/** Instances of one function version (one code digest and config). */
export class InstancePool {
  private readonly idle: Idle[] = [];
  /** Instances serving calls, with how many each serves now. */
  private readonly busy = new Map<Instance, number>();
  /** Instances whose start finished (only those are shared). */
  private readonly ready = new WeakSet<Instance>();
  private readonly waiters: Array<() => void> = [];
  /** Why the pool was closed (what a call still waiting for a lease is told); undefined while open. */
  private closed: string | undefined;
  /** Busy instances `close` stopped, with its reason (what their calls are told instead of a bare crash). */
  private readonly stoppedFor = new WeakMap<Instance, string>();
  private retired = false;
  /** A line for the log of this pool's first cold start (interpreters.ts `runtimeCommand`'s notice); taken once. */
  notice: string | undefined;

  constructor(
    /** Digest and config of the version these instances run; another fingerprint means another pool. */
    readonly fingerprint: string,
    private readonly maxInstances: number,
    private readonly create: () => Instance,
    /** Calls one instance serves at once (default 1). */
    private readonly perInstance = 1,
  ) {}

  /** The notice, once: undefined after the first call. */
  takeNotice(): string | undefined {
    const n = this.notice;
    this.notice = undefined;
    return n;
  }

  /** Instances alive (idle or busy). */
  size(): number {
    return this.idle.length + this.busy.size;
  }

  /** Busy instances. */
  busyCount(): number {
    return this.busy.size;
  }

  /** Calls in progress over every instance. */
  callCount(): number {
    let n = 0;
    for (const c of this.busy.values()) n += c;
    return n;
  }

  /** A started instance with a free slot, a warm idle one, a new (cold) one, or — at the limit — the next slot freed. */
  async acquire(): Promise<Lease> {
    for (;;) {
      if (this.closed !== undefined) throw new Error(`the function's instances were stopped (${this.closed})`);
      for (const [instance, calls] of this.busy) {
        if (calls < this.perInstance && instance.alive && this.ready.has(instance)) {
          this.busy.set(instance, calls + 1);
          return { instance, cold: false };
        }
      }
      while (this.idle.length > 0) {
        const { instance } = this.idle.pop()!;
        if (!instance.alive) continue;
        this.busy.set(instance, 1);
        return { instance, cold: false };
      }
      if (this.busy.size < this.maxInstances) {
        const instance = this.create();
        this.busy.set(instance, 1);
        instance.onExit(() => this.forget(instance));
        return { instance, cold: true };
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** A cold lease's instance finished starting: it may now be shared. */
  started(instance: Instance): void {
    this.ready.add(instance);
    this.wakeAll();
  }

  /** Returns a leased slot: the instance goes idle with its last call if it is alive, otherwise it is forgotten. */
  release(instance: Instance, now: number): void {
    const calls = (this.busy.get(instance) ?? 1) - 1;
    if (calls > 0 && instance.alive) {
      this.busy.set(instance, calls);
    } else {
      this.busy.delete(instance);
      if (instance.alive && this.closed === undefined && !this.retired) this.idle.push({ instance, since: now });
      else instance.stop();
    }
    this.waiters.shift()?.();
  }

  private wakeAll(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private forget(instance: Instance): void {
    const i = this.idle.findIndex((x) => x.instance === instance);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.busy.delete(instance)) this.wakeAll();
  }

  /** Stops instances idle since before `now - idleMs`; true when the pool is empty afterwards. */
  reap(now: number, idleMs: number): boolean {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      if (now - this.idle[i].since >= idleMs) {
        this.idle[i].instance.stop();
        this.idle.splice(i, 1);
      }
    }
    return this.size() === 0 && this.waiters.length === 0;
  }

  /** The version was replaced: idle instances stop now, busy ones when their calls end. */
  retire(): void {
    this.retired = true;
    for (const { instance } of this.idle.splice(0)) instance.stop();
  }

  /**
   * Stops every instance and refuses new leases, telling waiting calls `reason`; busy calls end as crashes whose
   * reason `stopReason` gives.
   */
  close(reason = "the emulator is closing"): void {
    this.closed = reason;
    for (const { instance } of this.idle.splice(0)) instance.stop();
    for (const instance of this.busy.keys()) {
      this.stoppedFor.set(instance, reason);
      instance.stop();
    }
    this.wakeAll();
  }

  /**
   * Why `close` stopped this instance in the middle of its calls (`the function was deleted`, …); undefined when
   * it was not stopped that way — a crash of the function's own is then reported as one.
   */
  stopReason(instance: Instance): string | undefined {
    return this.stoppedFor.get(instance);
  }
}
