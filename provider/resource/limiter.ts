/**
 * Process-wide concurrency limits for the plugin process. The engine runs the operations of many resources at
 * once (Pulumi's default parallelism is unbounded), but the service allows one import at a time per account
 * (a concurrent one gets 429 FSS.0429), packaging already uses every core, and large uploads compete for the
 * same link. One plugin process serves every dynamic resource of a deployment, so module state is the right
 * scope.
 */

/** A counting semaphore: `run(fn)` waits for a free slot, then runs `fn`. FIFO. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly slots: number) {}

  /** Runs `fn` when a slot is free; the slot is released however `fn` ends. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.active--;
    }
  }
}

function slotsFromEnv(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Imports: one at a time per account, as the service documents. */
export const importLimiter = new Limiter(1);

/** Packaging (CPU-bound, already parallel inside): one tree at a time (`FGS_PACKAGE_CONCURRENCY`). */
export const packagingLimiter = new Limiter(slotsFromEnv("FGS_PACKAGE_CONCURRENCY", 1));

/** Code uploads and config writes in flight (`FGS_UPLOAD_CONCURRENCY`, default 4). */
export const writeLimiter = new Limiter(slotsFromEnv("FGS_UPLOAD_CONCURRENCY", 4));
