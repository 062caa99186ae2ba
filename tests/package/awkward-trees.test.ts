/**
 * Awkward source trees: Unicode and odd names, names that cannot be packaged faithfully (refused with
 * UNSUPPORTED_NAME unless excluded), deep and long paths, empty / large / hard-linked files, symlink chains,
 * files changing or vanishing mid-run, and ignore-file edge cases, each read back by yauzl, python3 zipfile
 * and Info-ZIP unzip (extraction compared byte for byte, names and exec bits included).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { hashSource, packageSource, type PackagingOptions } from "../../provider/package";
import { resolveOptions } from "../../provider/package/options";
import { startFileProcessor } from "../../provider/package/process-files";
import { cleanup, pythonListing, readersMissing, readZip, tempDir, writeTree } from "./helpers";

/** Every regular file under `dir` (following nothing): relative path → [content, exec bit]. */
function snapshot(dir: string, rel = ""): Map<string, [Buffer, boolean]> {
  const out = new Map<string, [Buffer, boolean]>();
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of snapshot(dir, r)) out.set(k, v);
    else {
      const st = fs.statSync(path.join(dir, r));
      out.set(r, [fs.readFileSync(path.join(dir, r)), (st.mode & 0o111) !== 0]);
    }
  }
  return out;
}

/**
 * Packages `dir` twice (deterministic, same sourceSha512 as hashSource), then checks that yauzl, python3
 * zipfile and Info-ZIP unzip extract exactly `expected` (relative path → [content, exec bit]).
 */
async function assertRoundTrip(root: string, dir: string, expected: Map<string, [Buffer, boolean]>, options: PackagingOptions = {}): Promise<void> {
  const packaged = await packageSource(dir, options);
  assert.ok((await packageSource(dir, options)).zip.equals(packaged.zip), "deterministic");
  assert.equal(packaged.sourceSha512, (await hashSource(dir, options)).sourceSha512, "hashSource agrees");
  const names = [...expected.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual(packaged.files.map((f) => f.path), names, "archive order: UTF-8 byte order");

  const entries = await readZip(packaged.zip);
  assert.deepEqual(entries.map((e) => e.name), names, "yauzl names");
  for (const e of entries) {
    const [content, exec] = expected.get(e.name)!;
    assert.ok(e.data.equals(content), `yauzl content of ${JSON.stringify(e.name)}`);
    assert.equal(e.mode, exec ? 0o755 : 0o644, `mode of ${e.name}`);
    assert.equal(Boolean(e.flags & 0x800), /[^\x00-\x7f]/.test(e.name), `UTF-8 flag of ${e.name}`);
  }
  const zipPath = path.join(root, `out-${Date.now()}-${Math.random().toString(36).slice(2)}.zip`);
  fs.writeFileSync(zipPath, packaged.zip);
  const py = pythonListing(zipPath);
  assert.equal(py.bad, null);
  assert.deepEqual(py.entries.map((e) => e.name), names, "python3 names");
  for (const e of py.entries) assert.equal(e.sha256, createHash("sha256").update(expected.get(e.name)![0]).digest("hex"), `python3 content of ${e.name}`);
  const out = fs.mkdtempSync(path.join(root, "unzip-"));
  execFileSync("unzip", ["-q", zipPath, "-d", out]);
  assert.deepEqual(snapshot(out), new Map(names.map((n) => [n, expected.get(n)!])), "unzip extracts the same names, bytes and exec bits");
}

/** Expects `fn` to reject with a PackagingError of `code` whose path ends with `pathEnd` and whose message names it. */
async function assertRefused(fn: () => Promise<unknown>, code: string, pathEnd: string, fix: RegExp): Promise<void> {
  await assert.rejects(fn, (err: Error & { code?: string; path?: string }) => {
    assert.equal(err.code, code, err.message);
    assert.ok(err.path?.endsWith(pathEnd), `path ${err.path} should end with ${pathEnd}`);
    assert.ok(err.message.includes(err.path!), "message names the path");
    assert.match(err.message, fix);
    return true;
  });
}

const skip = readersMissing();

test("Unicode names: NFC and NFD twins stay two entries, emoji and CJK round-trip with the UTF-8 flag", { skip }, async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const files: Record<string, string> = { "\u00e9.txt": "NFC", "e\u0301.txt": "NFD", "😀/🎉.js": "emoji", "中文/文件.js": "CJK", "日本語.txt": "jp", "z\uE000": "bmp private use" };
  const dir = writeTree(path.join(root, "src"), files);
  await assertRoundTrip(root, dir, snapshot(dir));
});

test("names with spaces, # % ? * quotes, a leading - and a trailing space round-trip unchanged", { skip }, async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const names = ["a b.js", "#hash", "100%", "what?", "st*r", "'single'", '"double"', "-rf", "trailing ", "dir with space/x y.js", "semi;colon", "colon:name"];
  const dir = writeTree(path.join(root, "src"), Object.fromEntries(names.map((n) => [n, `content of ${n}`])));
  fs.chmodSync(path.join(dir, "-rf"), 0o700);
  await assertRoundTrip(root, dir, snapshot(dir));
});

test("a backslash, a newline / CR, or bytes that are not UTF-8 in a name are UNSUPPORTED_NAME unless excluded", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const cases: { name: string | Buffer; shown: string; why: RegExp; exclude: string }[] = [
    { name: "a\\b.js", shown: "a\\b.js", why: /backslash/, exclude: "a*b.js" },
    { name: "nl\nx.js", shown: "nl\nx.js", why: /control character/, exclude: "nl*" },
    { name: "Icon\r", shown: "Icon\r", why: /control character/, exclude: "Icon?" },
    { name: Buffer.from([0x66, 0xff, 0x2e, 0x6a, 0x73]), shown: "f\uFFFD.js", why: /not valid UTF-8/, exclude: "f*.js" },
  ];
  for (const [i, c] of cases.entries()) {
    const dir = writeTree(path.join(root, `src${i}`), { "ok.js": "fine" });
    fs.writeFileSync(Buffer.isBuffer(c.name) ? Buffer.concat([Buffer.from(dir + "/"), c.name]) : path.join(dir, c.name), "x");
    for (const run of [() => hashSource(dir), () => packageSource(dir)]) await assertRefused(run, "UNSUPPORTED_NAME", c.shown, c.why);
    await assertRefused(() => packageSource(dir), "UNSUPPORTED_NAME", c.shown, /rename it, or exclude it/);
    assert.deepEqual((await hashSource(dir, { exclude: [c.exclude] })).files.map((f) => f.path), ["ok.js"], `${c.shown} can be excluded`);
    assert.deepEqual((await readZip((await packageSource(dir, { exclude: [c.exclude] })).zip)).map((e) => e.name), ["ok.js"]);
  }
  // A directory whose name is not UTF-8 is refused the same way (its files cannot even be opened by a decoded name).
  const dir = writeTree(path.join(root, "srcdir"), { "ok.js": "fine" });
  const bad = Buffer.concat([Buffer.from(dir + "/d"), Buffer.from([0xe9])]);
  fs.mkdirSync(bad);
  fs.writeFileSync(Buffer.concat([bad, Buffer.from("/a.js")]), "x");
  await assertRefused(() => packageSource(dir), "UNSUPPORTED_NAME", "d\uFFFD", /not valid UTF-8/);
});

test("200 levels deep, a 400-byte path, an empty file, a 16 MB file and two hard links round-trip", { skip }, async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = path.join(root, "src");
  const deep = Array.from({ length: 200 }, (_, i) => `d${i % 10}`).join("/");
  const big = Buffer.alloc(16 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 8) big.writeUInt32LE((i * 2654435761) >>> 0, i); // compressible-ish, not trivial
  writeTree(dir, {
    [`${deep}/leaf.txt`]: "deep",
    [`${"a".repeat(200)}/${"b".repeat(200)}.txt`]: "long",
    "empty": "",
    "big.bin": big,
    "hard-1": { content: "same inode", mode: 0o755 },
  });
  fs.linkSync(path.join(dir, "hard-1"), path.join(dir, "hard-2"));
  await assertRoundTrip(root, dir, snapshot(dir));
});

test("symlinks: a chain, a directory link also walked directly, an absolute link inside; '.' and ../ are refused", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), {
    "f.txt": "target", "l1": { symlink: "f.txt" }, "l2": { symlink: "l1" },
    "sub/x.js": "x", "sub-link": { symlink: "sub" },
  });
  fs.symlinkSync(path.join(dir, "f.txt"), path.join(dir, "abs"));
  const files = (await hashSource(dir)).files;
  assert.deepEqual(files.map((f) => f.path), ["abs", "f.txt", "l1", "l2", "sub-link/x.js", "sub/x.js"]);
  assert.equal(new Set(files.filter((f) => f.path !== "sub/x.js" && f.path !== "sub-link/x.js").map((f) => f.sha512)).size, 1, "every link reads the target");
  const entries = await readZip((await packageSource(dir)).zip);
  assert.ok(entries.every((e) => e.data.toString() === (e.name.endsWith("x.js") ? "x" : "target")));

  const dot = writeTree(path.join(root, "dot"), { "a.js": "a", self: { symlink: "." } });
  await assertRefused(() => packageSource(dot), "SYMLINK_CYCLE", "self", /delete the link or exclude it/);
  writeTree(root, { "outside.txt": "secret" });
  const up = writeTree(path.join(root, "up"), { "a.js": "a", esc: { symlink: "../outside.txt" } });
  await assertRefused(() => hashSource(up), "SYMLINK_ESCAPES", "esc", /followExternalSymlinks/);
});

test("a file deleted after the walk is UNREADABLE saying so; one that grew or shrank is zipped as read", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), { "gone.js": "x", "grows.js": "12345", "shrinks.js": "1234567890" });
  const ids = new Map(["gone.js", "grows.js", "shrinks.js"].map((n) => [n, fs.statSync(path.join(dir, n))]));
  const walked = (name: string, size: number, seq: number) =>
    ({ path: name, seq, size, mode: 0o644 as const, mtimeMs: 0, ctimeMs: 0, dev: ids.get(name)!.dev, ino: ids.get(name)!.ino });

  fs.writeFileSync(path.join(dir, "grows.js"), "1234567890ABCDEF");
  fs.writeFileSync(path.join(dir, "shrinks.js"), "12");
  const ok = startFileProcessor(dir, 6, resolveOptions({ workerThreads: 0 }));
  ok.add(walked("grows.js", 5, 0));
  ok.add(walked("shrinks.js", 10, 1));
  const results = await ok.finish();
  assert.deepEqual(results.map((r) => r.result.size), [16, 2], "sizes are the bytes actually read, not the walk-time sizes");

  fs.rmSync(path.join(dir, "gone.js"));
  const p = startFileProcessor(dir, 6, resolveOptions({ workerThreads: 0 }));
  p.add(walked("gone.js", 1, 0));
  await assertRefused(() => p.finish(), "UNREADABLE", "gone.js", /deleted, renamed or replaced while packaging/);
});

test("ignore files: CRLF, BOM, trailing spaces, \\#, **, re-include rules, self-ignoring .fgsignore, case-sensitive", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), {
    ".gitignore": "\ufeff*.log\r\nbuild/\r\n!build/keep.js\r\nout/*\r\n!out/keep.js\r\n*.tmp   \r\nsp\\ \r\n\\#lit\r\n#comment\r\n**/cache/\r\na/**/z.js\r\n*.UPPER\r\n",
    ".fgsignore": ".fgsignore\n",
    "app.js": "kept",
    "x.log": "dropped (BOM and CRLF ignored)",
    "build/keep.js": "dropped: its directory is excluded, so it cannot be re-included (git)",
    "out/keep.js": "kept: out/* excludes the children, not the directory",
    "out/drop.js": "dropped",
    "t.tmp": "dropped: trailing spaces stripped",
    "sp ": "dropped: escaped trailing space",
    "#lit": "dropped: \\# is a literal #",
    "#comment": "kept: comments are not patterns",
    "deep/er/cache/c.js": "dropped by **/cache/",
    "a/b/c/z.js": "dropped by a/**/z.js",
    "a/z.js": "dropped too: ** matches zero directories",
    "lower.upper": "kept: matching is case-sensitive, as git on Linux",
  });
  assert.deepEqual((await hashSource(dir)).files.map((f) => f.path), ["#comment", ".gitignore", "app.js", "lower.upper", "out/keep.js"]);
  assert.deepEqual((await hashSource(dir, { exclude: ["*.UPPER"] })).files.map((f) => f.path), ["#comment", ".gitignore", "app.js", "lower.upper", "out/keep.js"], "exclude patterns are case-sensitive too");
});
