/**
 * Splits a byte stream into lines (`\n`, a trailing `\r` dropped) without ever holding more than `maxLineBytes`
 * of an unfinished line: a runner's fd 3 is writable by function code, and `readline` would buffer an endless
 * line until the emulator runs out of memory.
 */
import type { Readable } from "node:stream";

/**
 * Calls `onLine` with each complete line of `input` (UTF-8); when a line grows beyond `maxLineBytes` before its
 * newline, calls `onOverflow` once and ignores the rest of the stream.
 */
export function boundedLines(input: Readable, maxLineBytes: number, onLine: (line: string) => void, onOverflow: () => void): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflowed = false;
  const emit = (bytes: Buffer) => {
    const text = bytes.toString("utf8");
    onLine(text.endsWith("\r") ? text.slice(0, -1) : text);
  };
  input.on("data", (chunk: Buffer) => {
    if (overflowed) return;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (pendingBytes + piece.length > maxLineBytes) break;
      emit(pending.length > 0 ? Buffer.concat([...pending, piece]) : piece);
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    const restLine = rest.indexOf(10) === -1 ? rest.length : rest.indexOf(10);
    if (pendingBytes + restLine > maxLineBytes) {
      overflowed = true;
      pending = [];
      pendingBytes = 0;
      return onOverflow();
    }
    if (rest.length > 0) {
      pending.push(Buffer.from(rest)); // a copy: the chunk's memory is not kept alive by a small tail
      pendingBytes += rest.length;
    }
  });
  input.on("end", () => {
    if (!overflowed && pendingBytes > 0) emit(Buffer.concat(pending));
  });
}
