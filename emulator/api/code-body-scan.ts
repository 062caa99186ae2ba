/**
 * Decoding a code upload's Base64 while the body is still arriving. A 50 MB zip is ~67 MB of Base64: decoding
 * it and taking its SHA512 after the last byte came in added ~0.3 s to every upload, on top of the transfer,
 * whereas during the transfer the event loop mostly waits for the client.
 *
 * The scan is speculative and never decides anything: it guesses where `func_code.file` starts (the first
 * `"file"` key near the head of the body) and hands each complete run of Base64 that arrives after it to a
 * verification worker, which decodes it into shared memory, takes the zip's SHA512 and checks the zip's entries
 * as they complete (zip/stream-walk.ts), while the other worker takes the SHA-256 of the whole body for the
 * signature check (the event loop only copies and looks). Once the body is complete, the ordinary parse
 * (large-json-body.ts, told that the scanned range holds only Base64) says where the string really is; the
 * scan's result is used only if it covered exactly that range and every slice decoded to the length its text
 * implies (which is how Node's decoder reveals an invalid character). In every other case — another layout, an
 * escape, bad Base64, over the limit — it gives up and the upload takes the ordinary path, with the same answers.
 */
import type { ByteRange } from "./large-json-body";
import type { BodyObserver } from "../http/http-io";
import { streamingHash, type StreamingHash, type ZipWalk } from "../zip/verify-pool";

/** Where the scan looks for the `"file"` key: the small fields of the body come before the Base64. */
const HEAD_BYTES = 64 * 1024;
/** Base64 characters decoded at once (a multiple of 4). */
const SLICE_CHARS = 4 * 1024 * 1024;
const FILE_KEY = Buffer.from('"file"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const BASE64URL = [0x2d, 0x5f]; // '-' and '_': Node decodes them, the API does not take them

/** What a finished scan offers: the decoded zip (shared memory) for `range`, its SHA512 (hex), and its walk. */
export interface ScannedCode {
  range: ByteRange;
  code: Buffer;
  sha512: string;
  /** The entries checked while the zip arrived (for `verifyCodeZip`), when the walk reached the end. */
  walk?: ZipWalk;
}

/** Body bytes handed to the SHA-256 worker at once (fewer messages). */
const BODY_HASH_BATCH = 1024 * 1024;

/** Follows one body as it arrives (`onData`), hashes it, then offers its result for one range (`result`). */
export class CodeBodyScan implements BodyObserver {
  private start = -1;
  private cursor = -1;
  /** The text before this offset (from `cursor` on) holds no quote. */
  private searched = -1;
  private end = -1;
  private failed = false;
  private written = 0;
  private out?: Buffer;
  private hash?: StreamingHash;
  private bodyHash?: StreamingHash = streamingHash("sha256", 1);
  private body?: Buffer;
  private hashed = 0;

  /** `limit`: the largest zip the upload may carry (more is left to the ordinary path to refuse). */
  constructor(private readonly limit: number) {}

  /** The body so far is `body[0, received)` (the same buffer every time, filled in order). */
  onData(body: Buffer, received: number): void {
    this.body = body;
    if (received - this.hashed >= BODY_HASH_BATCH) this.hashBody(received);
    if (this.failed || this.end >= 0) return;
    if (this.start < 0 && !this.findStart(body, received)) return;
    // Decode whole slices while the text has no quote yet; the slice holding the closing quote ends the scan.
    // Only bytes not searched before are searched for the quote (a slice arrives in many chunks).
    for (;;) {
      const end = Math.min(received, this.cursor + SLICE_CHARS);
      const from = Math.max(this.cursor, this.searched);
      const quote = body.subarray(from, end).indexOf(QUOTE);
      if (quote >= 0) return this.finish(body.subarray(this.cursor, from + quote));
      this.searched = end;
      if (end - this.cursor < SLICE_CHARS) return; // wait for a whole slice
      this.decode(body.subarray(this.cursor, end), (SLICE_CHARS / 4) * 3);
      if (this.failed) return;
      this.cursor = end;
    }
  }

  /** The SHA-256 (hex) of the whole body (call once it has all arrived). */
  async sha256(): Promise<string> {
    if (this.body) this.hashBody(this.body.length);
    const hash = this.bodyHash!;
    this.bodyHash = undefined;
    return hash.digest();
  }

  private hashBody(upTo: number): void {
    this.bodyHash?.update(this.body!.subarray(this.hashed, upTo));
    this.hashed = upTo;
  }

  /**
   * The decoded zip, its SHA512 and the range of text it came from, if the scan reached a closing quote and
   * every slice was valid Base64 (so the range holds neither `"` nor `\`); undefined otherwise. It is the
   * upload's code only if the parse finds `func_code.file` at exactly that range (code-upload.ts).
   */
  async result(): Promise<ScannedCode | undefined> {
    const hash = this.hash;
    if (this.failed || this.end < 0 || !this.out || !hash) return undefined;
    this.hash = undefined;
    const sha512 = await hash.digest().catch(() => undefined); // undefined: some slice was not valid Base64
    const range = { start: this.start, end: this.end };
    return sha512 === undefined ? undefined : { range, code: this.out.subarray(0, this.written), sha512, walk: hash.walk };
  }

  /** Ends the workers' hashes that nothing asked for (a refused or interrupted upload). */
  dispose(): void {
    for (const h of [this.hash, this.bodyHash]) void h?.digest().catch(() => undefined);
    this.hash = this.bodyHash = undefined;
  }

  private findStart(body: Buffer, received: number): boolean {
    if (!(body.buffer instanceof SharedArrayBuffer)) return this.giveUp(); // the worker reads the text in place
    const head = body.subarray(0, Math.min(received, HEAD_BYTES));
    const key = head.indexOf(FILE_KEY);
    if (key < 0) {
      if (received >= HEAD_BYTES) this.failed = true;
      return false;
    }
    let at = key + FILE_KEY.length;
    while (at < head.length && isSpace(head[at])) at++;
    if (at < head.length && head[at] === 0x3a) at++;
    else if (at < head.length) return this.giveUp();
    while (at < head.length && isSpace(head[at])) at++;
    if (at >= head.length) return false; // not arrived yet
    if (head[at] !== QUOTE) return this.giveUp();
    this.start = this.cursor = at + 1;
    // Every byte after the quote could be Base64: the zip is at most 3/4 of it, and at most the limit.
    const room = Math.min(Math.floor(((body.length - this.start) / 4) * 3), this.limit);
    this.out = Buffer.from(new SharedArrayBuffer(Math.max(room, 0)));
    this.hash = streamingHash("sha512", 0, true);
    return true;
  }

  /** The last piece of text (up to the closing quote): padding allowed here only. */
  private finish(text: Buffer): void {
    if (text.length % 4 !== 0) return void this.giveUp();
    let padding = 0;
    while (padding < 2 && padding < text.length && text[text.length - 1 - padding] === EQUALS) padding++;
    this.decode(text, (text.length / 4) * 3 - padding);
    if (!this.failed) this.end = this.cursor + text.length;
  }

  /** Hands `text` to the SHA512 worker, which decodes it into the next `expected` bytes of the zip and hashes them. */
  private decode(text: Buffer, expected: number): void {
    const out = this.out!;
    if (this.written + expected > out.length || text.indexOf(BACKSLASH) >= 0 || BASE64URL.some((c) => text.indexOf(c) >= 0)) {
      return void this.giveUp();
    }
    // A bad character shows as a short decode on the worker: the digest then fails and `result` steps aside.
    this.hash!.update(out.subarray(this.written, this.written + expected), text);
    this.written += expected;
  }

  private giveUp(): false {
    this.failed = true;
    this.out = undefined;
    void this.hash?.digest().catch(() => undefined);
    this.hash = undefined;
    return false;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
