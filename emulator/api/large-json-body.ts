/**
 * Parsing a JSON request body that carries one huge string (a code upload's Base64, ~67 MB for a 50 MB zip)
 * without turning that string into a JavaScript string: `JSON.parse` of the whole body, then the schema's
 * Base64 check and `Buffer.from(…, "base64")`, each walked or copied the 67 MB again on the event loop.
 *
 * The body is tokenised only as far as finding its strings (`indexOf` of `"` runs natively; a `"` preceded by
 * an odd number of backslashes is escaped). A string of `minLength` bytes or more without escapes is cut out
 * and replaced by a short placeholder; the small remainder goes through `JSON.parse`, which still judges the
 * whole body's syntax. Callers get the parsed object with each large string's byte range; strings they do
 * not ask for are put back as ordinary strings, so the object is exactly what `JSON.parse` would have built.
 */
import { randomBytes } from "node:crypto";
import { parseJsonBody } from "./validation";

/** Where a large string's content lies in the body (bytes, end exclusive; the quotes excluded). */
export interface ByteRange {
  start: number;
  end: number;
}

/** A parsed body: the value, and the byte range of the large string found at `path`, if any. */
export interface LargeJsonBody {
  value: Record<string, unknown>;
  /** The large string at the requested path; its place in `value` holds `""`. */
  range?: ByteRange;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index of the `"` closing the string opened at `open`, or -1. */
function closingQuote(body: Buffer, open: number): number {
  let at = open + 1;
  for (;;) {
    const q = body.indexOf(QUOTE, at);
    if (q < 0) return -1;
    let slashes = 0;
    while (q - 1 - slashes > open && body[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
    at = q + 1;
  }
}

/**
 * Parses `body` as a JSON object; the string at `path` (e.g. `["func_code", "file"]`), when it is at least
 * `minLength` bytes without escapes, is not decoded: its range is returned and `""` stands in its place.
 * `plain` is a range the caller knows holds neither `"` nor `\` (code-body-scan.ts decoded it as Base64): a
 * string opening right before it and closing right after is taken without searching it again.
 * Throws 400 FSS.0400 when the body is not a JSON object (the message `parseJsonBody` gives).
 */
export function parseLargeJsonBody(body: Buffer, path: readonly string[], minLength = 64 * 1024, plain?: ByteRange): LargeJsonBody {
  const nonce = randomBytes(12).toString("hex");
  const cut: ByteRange[] = [];
  const pieces: Buffer[] = [];
  let copied = 0;
  let at = 0;
  for (;;) {
    const open = body.indexOf(QUOTE, at);
    if (open < 0) break;
    const known = plain !== undefined && open === plain.start - 1 && body[plain.end] === QUOTE;
    const close = known ? plain.end : closingQuote(body, open);
    if (close < 0) break; // unterminated: JSON.parse reports it
    // Without an escape inside, the string's bytes are its UTF-8: cut it out.
    if (close - open - 1 >= minLength && (known || body.subarray(open + 1, close).indexOf(BACKSLASH) < 0)) {
      pieces.push(body.subarray(copied, open + 1), Buffer.from(`${nonce}:${cut.length}`));
      cut.push({ start: open + 1, end: close });
      copied = close;
    }
    at = close + 1;
  }
  if (cut.length === 0) return { value: parseJsonBody(body) };
  pieces.push(body.subarray(copied));
  const value = parseJsonBody(Buffer.concat(pieces));

  let range: ByteRange | undefined;
  const placeholder = new RegExp(`^${nonce}:(\\d+)$`);
  const restore = (node: unknown, at: string[]): unknown => {
    if (typeof node === "string") {
      const m = placeholder.exec(node);
      if (!m) return node;
      const r = cut[Number(m[1])];
      if (at.length === path.length && at.every((k, i) => k === path[i])) {
        range = r;
        return "";
      }
      return body.toString("utf8", r.start, r.end);
    }
    if (Array.isArray(node)) return node.map((v, i) => restore(v, [...at, String(i)]));
    if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) (node as Record<string, unknown>)[k] = restore(v, [...at, k]);
    }
    return node;
  };
  restore(value, []);
  return { value, range };
}
