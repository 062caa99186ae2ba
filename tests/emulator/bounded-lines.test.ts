/** The fd-3 line splitter: lines across chunks, UTF-8 split inside a character, CRLF, and the length cap. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { boundedLines } from "../../emulator/runtime/bounded-lines";

function run(chunks: Buffer[], max: number): { lines: string[]; overflows: number } {
  const input = new PassThrough();
  const lines: string[] = [];
  let overflows = 0;
  boundedLines(input, max, (l) => lines.push(l), () => overflows++);
  for (const c of chunks) input.emit("data", c);
  input.emit("end");
  return { lines, overflows };
}

describe("boundedLines", () => {
  it("joins a line written in pieces, splits several in one chunk, keeps a character cut between chunks", () => {
    const euro = Buffer.from("€");
    const r = run([Buffer.from("ab"), Buffer.from("c\nd\r\ne"), euro.subarray(0, 1), Buffer.concat([euro.subarray(1), Buffer.from("\nlast")])], 100);
    assert.deepEqual(r, { lines: ["abc", "d", "e€", "last"], overflows: 0 });
  });

  it("a line of exactly the cap passes; one byte more overflows once and the rest of the stream is ignored", () => {
    assert.deepEqual(run([Buffer.from("12345\n")], 5), { lines: ["12345"], overflows: 0 });
    const r = run([Buffer.from("ok\n123"), Buffer.from("456"), Buffer.from("\nafter\n")], 5);
    assert.deepEqual(r, { lines: ["ok"], overflows: 1 });
    assert.deepEqual(run([Buffer.from("x\n" + "y".repeat(50) + "\nz\n")], 5), { lines: ["x"], overflows: 1 });
  });
});
