/**
 * One function's progress reporter (`FunctionProgress`): each line is `<funcName>: …` with its byte counts and
 * times formatted by the reporter, values substituted as given (never read as format), silenced by FGS_QUIET=1.
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { FunctionProgress } from "../../provider/resource/progress";

/** The lines `run` writes to stderr, with FGS_QUIET as given. */
function linesOf(quiet: string | undefined, run: () => void): string[] {
  const lines: string[] = [];
  const write = process.stderr.write;
  const before = process.env.FGS_QUIET;
  if (quiet === undefined) delete process.env.FGS_QUIET;
  else process.env.FGS_QUIET = quiet;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    run();
  } finally {
    process.stderr.write = write;
    if (before === undefined) delete process.env.FGS_QUIET;
    else process.env.FGS_QUIET = before;
  }
  return lines;
}

it("formats byte counts (%b), elapsed times (%t) and values (%s) into one prefixed line", () => {
  const report = new FunctionProgress("fn-a");
  const lines = linesOf(undefined, () => {
    report.say("packaged %s files (%b) into a %b zip in %t%s", 3, 512, 5 * 1024 * 1024, performance.now(), ", 1 reused");
  });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^functiongraph: fn-a: packaged 3 files \(512 B\) into a 5\.0 MB zip in \d+\.\d\d s, 1 reused\n$/);
});

it("substitutes values as they are: a value holding %b is not formatted again", () => {
  const lines = linesOf(undefined, () => new FunctionProgress("fn-b").say("%s", "100%b done"));
  assert.deepEqual(lines, ["functiongraph: fn-b: 100%b done\n"]);
});

it("writes nothing when FGS_QUIET=1", () => {
  assert.deepEqual(linesOf("1", () => new FunctionProgress("fn-c").say("imported (%b) in %t", 10, performance.now())), []);
});
