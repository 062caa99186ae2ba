/**
 * The instances of one function version: a warm idle instance is reused (most recently used first), a new one
 * starts when all are busy up to the version's instance limit, and calls beyond it wait for a free instance.
 * Idle instances are stopped after the idle time; `close()` stops them all.
 */
import type { Instance } from "./instance";

/** An instance handed to a call; `cold` when the caller must start it first. */
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
  private readonly busy = new Set<Instance>();
  private readonly waiters: Array<() => void> = [];
  private closed = false;
  private retired = false;

  constructor(
    /** Digest and config of the version these instances run; another fingerprint means another pool. */
    readonly fingerprint: string,
    private readonly maxInstances: number,
    private readonly create: () => Instance,
  ) {}

  /** Instances alive (idle or busy). */
  size(): number {
    return this.idle.length + this.busy.size;
  }

  /** Busy instances. */
  busyCount(): number {
    return this.busy.size;
  }

  /** A warm idle instance, or a new (cold) one, or — all busy at the limit — the next one freed. */
  async acquire(): Promise<Lease> {
    for (;;) {
      if (this.closed) throw new Error("the function's instances were stopped (the emulator is closing)");
      while (this.idle.length > 0) {
        const { instance } = this.idle.pop()!;
        if (!instance.alive) continue;
        this.busy.add(instance);
        return { instance, cold: false };
      }
      if (this.busy.size < this.maxInstances) {
        const instance = this.create();
        this.busy.add(instance);
        instance.onExit(() => this.forget(instance));
        return { instance, cold: true };
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Returns a leased instance: idle again if it is alive, otherwise forgotten. */
  release(instance: Instance, now: number): void {
    this.busy.delete(instance);
    if (instance.alive && !this.closed && !this.retired) this.idle.push({ instance, since: now });
    else instance.stop();
    this.waiters.shift()?.();
  }

  private forget(instance: Instance): void {
    const i = this.idle.findIndex((x) => x.instance === instance);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.busy.delete(instance)) this.waiters.shift()?.();
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

  /** The version was replaced: idle instances stop now, busy ones when their call ends. */
  retire(): void {
    this.retired = true;
    for (const { instance } of this.idle.splice(0)) instance.stop();
  }

  /** Stops every instance (busy calls end as crashes) and refuses new leases. */
  close(): void {
    this.closed = true;
    for (const { instance } of this.idle.splice(0)) instance.stop();
    for (const instance of this.busy) instance.stop();
    for (const w of this.waiters.splice(0)) w();
  }
}
