/**
 * A zip whose entry bodies lie in a spool file (spool.ts) and whose headers are in memory: read in archive
 * order without ever being held whole — in 1 MiB pieces for an upload or a hash, into a file for OBS staging,
 * or into one Buffer for callers that want it (`toBuffer`). The spool's descriptor is closed by `close`, or
 * when the object is garbage-collected.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";

/** The bytes of a zip as a sequence of pieces, produced on demand (each pass is a fresh iteration). */
export interface ZipPieces {
  readonly size: number;
  /** The zip in order; each piece is valid only until the next is asked for. */
  pieces(): Iterable<Uint8Array>;
}

/**
 * How `writeTo` creates its file. By default a new file only the user can read (a temporary copy: OBS
 * staging), refused if the name exists; `overwrite`: the user's own output file (`fgs pack --out`), replaced if
 * it exists and created with the usual permissions (umask).
 */
export interface WriteToOptions {
  readonly overwrite?: boolean;
}

/** Size of the pieces `SpooledZip.pieces` yields. */
export const PIECE_BYTES = 1024 * 1024;

/** Closes spools whose zip was dropped without `close` (created on first use: no state at load time). */
let closer: FinalizationRegistry<{ fd: number; closed: boolean }> | undefined;
function spoolCloser(): FinalizationRegistry<{ fd: number; closed: boolean }> {
  closer ??= new FinalizationRegistry((s) => {
    if (!s.closed) try { fs.closeSync(s.fd); } catch { /* already closed */ }
  });
  return closer;
}

/** Where each entry's local header (in `headers`) and body (in the spool) lie. */
export interface SpooledLayout {
  readonly headers: Buffer;
  /** End of entry i's local header in `headers` (it starts where entry i-1's ended). */
  readonly headerEnds: readonly number[];
  readonly bodyAt: readonly number[];
  readonly bodyLength: readonly number[];
  /** Central directory and end records. */
  readonly central: Buffer;
  readonly size: number;
}

/** A zip read from a spool (see the module doc). */
export class SpooledZip implements ZipPieces {
  readonly size: number;
  private readonly state: { fd: number; closed: boolean };

  /** `closeWhenCollected`: false for a reader that does not own `fd` (the packaging thread's, packaging-thread.ts). */
  constructor(fd: number, private readonly layout: SpooledLayout, closeWhenCollected = true) {
    this.size = layout.size;
    this.state = { fd, closed: false };
    if (closeWhenCollected) spoolCloser().register(this, this.state, this);
  }

  /** The zip in order as ranges: headers in memory, bodies in the spool. */
  private *ranges(): Generator<{ mem: Uint8Array } | { at: number; length: number }> {
    const { headers, headerEnds, bodyAt, bodyLength, central } = this.layout;
    let h = 0;
    for (let i = 0; i < headerEnds.length; i++) {
      yield { mem: headers.subarray(h, headerEnds[i]) };
      h = headerEnds[i];
      if (bodyLength[i] > 0) yield { at: bodyAt[i], length: bodyLength[i] };
    }
    yield { mem: central };
  }

  /** Reads `length` bytes of the spool at `at` into `into` at `offset`. */
  private read(into: Uint8Array, offset: number, at: number, length: number): void {
    if (this.state.closed) throw new Error("the packaged zip was closed: read it before calling close()");
    let n = 0;
    while (n < length) {
      const r = fs.readSync(this.state.fd, into, offset + n, length - n, at + n);
      if (r === 0) throw new Error(`the packaged zip's spool file ended early (${at + n} bytes): was it truncated by another process?`);
      n += r;
    }
  }

  /** The zip in pieces of `PIECE_BYTES` (the last shorter), in one reused buffer. */
  *pieces(): Generator<Uint8Array> {
    const out = Buffer.allocUnsafeSlow(Math.min(PIECE_BYTES, Math.max(1, this.size)));
    let filled = 0;
    for (const r of this.ranges()) {
      let done = 0;
      const length = "mem" in r ? r.mem.length : r.length;
      while (done < length) {
        const n = Math.min(out.length - filled, length - done);
        if ("mem" in r) out.set(r.mem.subarray(done, done + n), filled);
        else this.read(out, filled, r.at + done, n);
        filled += n;
        done += n;
        if (filled === out.length) {
          yield out;
          filled = 0;
        }
      }
    }
    if (filled > 0) yield out.subarray(0, filled);
  }

  /** The whole zip in one new Buffer. */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    let at = 0;
    for (const r of this.ranges()) {
      if ("mem" in r) {
        out.set(r.mem, at);
        at += r.mem.length;
      } else {
        this.read(out, at, r.at, r.length);
        at += r.length;
      }
    }
    return out;
  }

  /** SHA512 (hex) of the zip. */
  sha512(): string {
    const hash = createHash("sha512");
    for (const p of this.pieces()) hash.update(p);
    return hash.digest("hex");
  }

  /** Writes the zip to `file` (see `WriteToOptions`: by default a new private file, refused if it exists). */
  writeTo(file: string, options: WriteToOptions = {}): void {
    const fd = options.overwrite ? fs.openSync(file, "w", 0o666) : fs.openSync(file, "wx", 0o600);
    try {
      for (const p of this.pieces()) {
        let n = 0;
        while (n < p.length) n += fs.writeSync(fd, p, n, p.length - n);
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Closes the spool (the zip cannot be read after). */
  close(): void {
    if (this.state.closed) return;
    this.state.closed = true;
    spoolCloser().unregister(this);
    try { fs.closeSync(this.state.fd); } catch { /* already closed */ }
  }
}
