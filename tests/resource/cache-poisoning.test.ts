/**
 * What runs is what the source says, whatever the packaging caches hold: each way a cache file can be wrong
 * (body-index rows swapped, digests replaced, a truncated zip, a foreign index, another tree's caches,
 * concurrent writers) is planted between two deployments through the resource lifecycle against the
 * emulator; after a one-line edit `up` must deploy exactly the files (checked by invoking the function, which
 * returns what its modules hold), record the source's true `sourceSha512`, say in one progress line that the
 * caches were discarded, and leave caches that the next `up` finds right.
 */
import { describe, it } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as lifecycle from "../../provider/resource/lifecycle";
import { hashSource, packageSource } from "../../provider/package";
import { sdkInvoke } from "../emulator/invoke-helpers";
import { checkedInputs, freshRunnerFixture, withProgress, writeTree } from "./helpers";

const fx = freshRunnerFixture("fgs-poison-");

const anHourAgo = new Date(Date.now() - 3600_000);
/** Two modules of the same size whose contents differ: what a swapped cache would exchange. */
const moduleText = (letter: string) => `// ${"filler that compresses well ".repeat(20)}\nmodule.exports = ${JSON.stringify(letter.repeat(400))};\n`;
const indexText = (version: number) => `exports.handler = async () => ({ a: require("./a.js"), b: require("./b.js"), version: ${version} });\n`;

/** A source tree with old mtimes (not racy, so the digest cache keeps every file). */
function source(name: string): string {
  const dir = writeTree(fx.work, name, { "index.js": indexText(1), "a.js": moduleText("A"), "b.js": moduleText("B") });
  for (const f of ["index.js", "a.js", "b.js"]) fs.utimesSync(path.join(dir, f), anHourAgo, anHourAgo);
  return dir;
}

/** The one-line edit between the deployments. */
function edit(dir: string, version: number): void {
  fs.writeFileSync(path.join(dir, "index.js"), indexText(version));
  fs.utimesSync(path.join(dir, "index.js"), anHourAgo, anHourAgo);
}

const args = (dir: string, funcName: string) => ({ sourceDir: dir, runtime: "Node.js18.15", handler: "index.handler", funcName });

/** What the deployed function says its modules hold. */
async function invoked(urn: unknown): Promise<{ a: string; b: string; version: number }> {
  const r = await sdkInvoke(fx.emu, String(urn));
  assert.equal(r.status, 200, r.result);
  return r.parsed();
}

const expected = (version: number) => ({ a: "A".repeat(400), b: "B".repeat(400), version });

/** The source's true hash: no cache. */
const trueSha = async (dir: string) => (await hashSource(dir)).sourceSha512;

/** The cache files of `dir`: the digest cache, and the last package's index and zip. */
function cacheFiles(dir: string) {
  const index = fs.readdirSync(fx.cacheDir).find((n) => n.endsWith(".bodies.json"));
  assert.ok(index, "up recorded the last package");
  const stem = path.join(fx.cacheDir, index.replace(/\.bodies\.json$/, ""));
  const digests = JSON.parse(fs.readFileSync(`${stem}.json`, "utf8")) as { root: string };
  assert.equal(digests.root, fs.realpathSync(dir));
  return { digests: `${stem}.json`, index: `${stem}.bodies.json`, zip: `${stem}.bodies.bin` };
}

type Row = [path: string, size: number, crc32: number, offset: number, length: number];

/** Creates `funcName` from `dir`, checks it runs the source, plants `tamper`, edits, updates, checks again. */
async function deployThroughTamper(name: string, tamper: (files: ReturnType<typeof cacheFiles>, dir: string) => void | Promise<void>) {
  const dir = source(name);
  const inputs = await checkedInputs({}, args(dir, name));
  const created = await lifecycle.create(inputs);
  const outs = created.outs as Record<string, unknown>;
  assert.deepEqual(await invoked(outs.funcUrn), expected(1));

  await tamper(cacheFiles(dir), dir);
  edit(dir, 2);
  const news = await checkedInputs(inputs, args(dir, name)); // the preview may trust the (tampered) digest cache
  const { result: up, lines } = await withProgress(() => lifecycle.update(created.id, outs, news));
  const upOuts = up.outs as Record<string, unknown>;
  assert.deepEqual(await invoked(upOuts.funcUrn), expected(2), "what runs is the source");
  assert.equal(upOuts.sourceSha512, await trueSha(dir), "the recorded sourceSha512 is of the bytes read");
  const notices = lines.filter((l) => /disagreed with the source/.test(l));
  assert.equal(notices.length, 1, `one line says the caches were discarded: ${lines.join(" | ")}`);
  assert.match(notices[0], /discarded them and rewrote them/);

  // Rewritten: the next preview and up agree with the source and have nothing to report.
  edit(dir, 3);
  const again = await checkedInputs(news, args(dir, name));
  assert.equal(again.sourceSha512, await trueSha(dir), "the preview's digest cache was rewritten too");
  const { result: up2, lines: lines2 } = await withProgress(() => lifecycle.update(created.id, upOuts, again));
  assert.deepEqual(await invoked((up2.outs as Record<string, unknown>).funcUrn), expected(3));
  assert.deepEqual(lines2.filter((l) => /disagreed/.test(l)), []);
  assert.match(lines2.join("\n"), /2 deflated bodies reused from the last package \(checked against the files, not deflated again\)/);
}

describe("up deploys the source whatever the caches say", () => {
  it("the rows of a.js and b.js swapped in the last package's index", async () => {
    await deployThroughTamper("rows-swapped", ({ index }) => {
      const idx = JSON.parse(fs.readFileSync(index, "utf8")) as { bodies: Row[] };
      const a = idx.bodies.find((r) => r[0] === "a.js")!;
      const b = idx.bodies.find((r) => r[0] === "b.js")!;
      [a[3], a[4], b[3], b[4]] = [b[3], b[4], a[3], a[4]]; // each path now points at the other's body
      fs.writeFileSync(index, JSON.stringify(idx));
    });
  });

  it("a.js's digest replaced by b.js's in the digest cache", async () => {
    await deployThroughTamper("digest-replaced", ({ digests }) => {
      const cache = JSON.parse(fs.readFileSync(digests, "utf8")) as { entries: Record<string, [string, string]> };
      cache.entries["a.js"][1] = cache.entries["b.js"][1];
      fs.writeFileSync(digests, JSON.stringify(cache));
    });
  });

  it("the last package's bodies file truncated (a crash mid-write)", async () => {
    await deployThroughTamper("zip-truncated", ({ zip }) => fs.truncateSync(zip, Math.floor(fs.statSync(zip).size / 2)));
  });

  it("the last package's index truncated", async () => {
    await deployThroughTamper("index-truncated", ({ index }) => {
      const text = fs.readFileSync(index, "utf8");
      fs.writeFileSync(index, text.slice(0, text.length - 20));
    });
  });

  it("a foreign index (another directory's) in this directory's place", async () => {
    await deployThroughTamper("foreign-index", ({ index }) => {
      fs.writeFileSync(index, JSON.stringify({ ...JSON.parse(fs.readFileSync(index, "utf8")), root: "/somewhere/else" }));
    });
  });

  it("the caches of another tree with the same paths (a copied home directory), made to look current", async () => {
    const other = writeTree(fx.work, "other-tree", { "index.js": indexText(1), "a.js": moduleText("X"), "b.js": moduleText("Y") });
    for (const f of ["index.js", "a.js", "b.js"]) fs.utimesSync(path.join(other, f), anHourAgo, anHourAgo);
    await deployThroughTamper("copied-caches", async (files, dir) => {
      // The other tree's caches, recorded by packaging it, copied over this tree's: re-rooted here and with this
      // tree's stamps, as if they had been recorded for it.
      const scratch = fs.mkdtempSync(path.join(fx.work, "scratch-"));
      await packageSource(other, { hashCache: scratch });
      const otherIndex = fs.readdirSync(scratch).find((n) => n.endsWith(".bodies.json"))!;
      const otherStem = path.join(scratch, otherIndex.replace(/\.bodies\.json$/, ""));
      fs.copyFileSync(`${otherStem}.bodies.bin`, files.zip);
      const idx = JSON.parse(fs.readFileSync(`${otherStem}.bodies.json`, "utf8"));
      fs.writeFileSync(files.index, JSON.stringify({ ...idx, root: fs.realpathSync(dir) }));
      const digests = JSON.parse(fs.readFileSync(`${otherStem}.json`, "utf8")) as { entries: Record<string, [string, string]> };
      for (const [rel, entry] of Object.entries(digests.entries)) {
        const st = fs.statSync(path.join(dir, rel));
        entry[0] = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      }
      fs.writeFileSync(files.digests, JSON.stringify({ ...digests, root: fs.realpathSync(dir) }));
    });
  });

  it("concurrent writers: two functions from one source deployed and updated at the same time", async () => {
    const dir = source("shared");
    const names = ["shared-1", "shared-2"];
    const created = await Promise.all(names.map(async (n) => {
      const inputs = await checkedInputs({}, args(dir, n));
      return { inputs, res: await lifecycle.create(inputs) };
    }));
    for (const c of created) assert.deepEqual(await invoked((c.res.outs as Record<string, unknown>).funcUrn), expected(1));
    for (let version = 2; version <= 4; version++) {
      edit(dir, version);
      fs.writeFileSync(path.join(dir, version % 2 ? "a.js" : "b.js"), moduleText(version % 2 ? "A" : "B")); // rewritten, same content
      const ups = await Promise.all(created.map(async (c) => {
        const news = await checkedInputs(c.inputs, args(dir, c.inputs.funcName as string));
        const up = await lifecycle.update(c.res.id, c.res.outs as Record<string, unknown>, news);
        c.inputs = news;
        c.res = { id: c.res.id, outs: up.outs };
        return up.outs as Record<string, unknown>;
      }));
      for (const outs of ups) {
        assert.deepEqual(await invoked(outs.funcUrn), expected(version));
        assert.equal(outs.sourceSha512, await trueSha(dir));
      }
    }
  });
});
