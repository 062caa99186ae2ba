/**
 * Bad input: each case is a `PackagingError` with the right code, naming the path, thrown before any
 * result exists (and `fgs pack --out` writes nothing).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as net from "node:net";
import * as path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { hashSource, isPackagingError, packageSource, PackagingError } from "../../provider/package";
import { cleanup, PACKAGE_MODULE, tempDir, writeTree } from "./helpers";

function expectError(code: string, p: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof PackagingError && isPackagingError(err), `expected PackagingError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.path, p);
    assert.ok(err.message.includes(p), `message names the path: ${err.message}`);
    return true;
  };
}

test("a missing directory is ENOENT_SOURCE; a file is NOT_A_DIRECTORY", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  writeTree(root, { "file.js": "x" });
  await assert.rejects(packageSource(path.join(root, "nope")), expectError("ENOENT_SOURCE", path.join(root, "nope")));
  await assert.rejects(hashSource(path.join(root, "file.js")), expectError("NOT_A_DIRECTORY", path.join(root, "file.js")));
  await assert.rejects(hashSource(path.join(root, "file.js", "x")), expectError("ENOENT_SOURCE", path.join(root, "file.js", "x")));
});

test("nothing left to package is EMPTY_AFTER_EXCLUDES: empty dir, only empty dirs, only .git, all excluded", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const empty = writeTree(path.join(root, "empty"), {});
  const dirsOnly = writeTree(path.join(root, "dirs"), { "a/b": { dir: true }, c: { dir: true } });
  const gitOnly = writeTree(path.join(root, "git"), { ".git/HEAD": "x" });
  const excluded = writeTree(path.join(root, "excl"), { "a.js": "x", "b/c.js": "x", ".fgsignore": "*.js\n" });
  for (const dir of [empty, dirsOnly, gitOnly]) await assert.rejects(packageSource(dir), expectError("EMPTY_AFTER_EXCLUDES", dir));
  await assert.rejects(hashSource(excluded, { exclude: ["/.fgsignore"] }), expectError("EMPTY_AFTER_EXCLUDES", excluded));
  await assert.rejects(packageSource(excluded, { exclude: ["**"] }), expectError("EMPTY_AFTER_EXCLUDES", excluded));
});

test("over maxTotalBytes is TOO_LARGE, checked before reading; the default is 1.5 GiB", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), { "a.bin": Buffer.alloc(600), "b.bin": Buffer.alloc(600) });
  await assert.rejects(packageSource(dir, { maxTotalBytes: 1000 }), expectError("TOO_LARGE", dir));
  await assert.rejects(hashSource(dir, { maxTotalBytes: 1199 }), expectError("TOO_LARGE", dir));
  assert.equal((await hashSource(dir, { maxTotalBytes: 1200 })).files.length, 2, "exactly at the limit is allowed");
  const { DEFAULT_MAX_TOTAL_BYTES } = await import("../../provider/package");
  assert.equal(DEFAULT_MAX_TOTAL_BYTES, 1.5 * 1024 ** 3);
});

test("sockets and other special files are UNSUPPORTED_FILE unless excluded", async (t) => {
  const root = tempDir();
  const dir = writeTree(path.join(root, "src"), { "index.js": "x" });
  const sock = path.join(dir, "app.sock");
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  t.after(() => {
    server.close();
    cleanup(root);
  });
  await assert.rejects(packageSource(dir), expectError("UNSUPPORTED_FILE", sock));
  assert.equal((await hashSource(dir, { exclude: ["*.sock"] })).files.length, 1);
});

test("invalid options are an InvalidArgumentError (FGS_INVALID_ARGUMENT) naming the option", async (t) => {
  const root = tempDir();
  t.after(() => cleanup(root));
  const dir = writeTree(path.join(root, "src"), { "index.js": "x" });
  await assert.rejects(packageSource(dir, { compressionLevel: 12 }), (e: Error & { code?: string }) => e.code === "FGS_INVALID_ARGUMENT" && /compressionLevel/.test(e.message));
  await assert.rejects(packageSource(dir, { exclude: "*.js" as unknown as string[] }), /exclude/);
  await assert.rejects(hashSource(dir, { maxTotalBytes: -1 }), /maxTotalBytes/);
  await assert.rejects(hashSource(dir, { workerThreads: 1.5 }), /workerThreads/);
});

/**
 * chmod 000 does not stop root from reading, so as root the check runs in a child process as `nobody`
 * (spawn's uid option); as another user it runs in-process.
 */
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * As root, a world-readable copy of the compiled packaging module (and its one dependency, `ignore`), so that
 * `nobody` can load it even when the checkout sits under a private directory (a CI clone in a 0700 temp dir).
 */
function stageForNobody(): string {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), "fgs-nobody-"));
  fs.cpSync(path.dirname(PACKAGE_MODULE), path.join(stage, "package"), { recursive: true });
  fs.cpSync(path.dirname(require.resolve("ignore/package.json")), path.join(stage, "node_modules", "ignore"), { recursive: true });
  const open = (p: string): void => {
    fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644);
    if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) open(path.join(p, e));
  };
  open(stage);
  process.on("exit", () => fs.rmSync(stage, { recursive: true, force: true }));
  return path.join(stage, "package", path.basename(PACKAGE_MODULE));
}
const NOBODY_MODULE = isRoot ? stageForNobody() : PACKAGE_MODULE;
const nobodyWorks = isRoot && spawnSync(process.execPath, ["-e", `require(${JSON.stringify(NOBODY_MODULE)})`], { uid: 65534, gid: 65534, cwd: "/" }).status === 0;

test(
  "an unreadable file or directory is UNREADABLE naming it",
  { skip: isRoot && !nobodyWorks ? "running as root and cannot run a child as uid 65534 (chmod 000 does not block root)" : false },
  async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    fs.chmodSync(root, 0o755);
    const fileCase = writeTree(path.join(root, "f"), { "ok.js": "x", "secret.js": { content: "x", mode: 0o000 } });
    const dirCase = writeTree(path.join(root, "d"), { "ok.js": "x", "locked/inner.js": "x" });
    fs.chmodSync(path.join(dirCase, "locked"), 0o000);
    // The read error surfaces the same way from the calling thread (small source default) and from workers.
    const cases: [string, string, "hashSource" | "packageSource", { workerThreads?: number }][] = [
      [fileCase, path.join(fileCase, "secret.js"), "packageSource", {}],
      [fileCase, path.join(fileCase, "secret.js"), "packageSource", { workerThreads: 2 }],
      [fileCase, path.join(fileCase, "secret.js"), "hashSource", { workerThreads: 1 }],
      [dirCase, path.join(dirCase, "locked"), "hashSource", {}],
    ];
    for (const [dir, bad, fn, options] of cases) {
      if (!isRoot) {
        await assert.rejects((fn === "hashSource" ? hashSource : packageSource)(dir, options), expectError("UNREADABLE", bad));
        continue;
      }
      const script = `require(${JSON.stringify(NOBODY_MODULE)}).${fn}(${JSON.stringify(dir)}, ${JSON.stringify(options)}).then(() => console.log("{}"), (e) => console.log(JSON.stringify({ name: e.name, code: e.code, path: e.path, message: e.message })))`;
      const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { uid: 65534, gid: 65534, cwd: "/" }).toString());
      assert.deepEqual([out.name, out.code, out.path], ["PackagingError", "UNREADABLE", bad], `${fn}: ${JSON.stringify(out)}`);
      assert.ok(out.message.includes(bad));
    }
  },
);
