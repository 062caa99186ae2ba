/**
 * Packaging races and links: what the walk checked is what is read. A file swapped for a FIFO does not hang
 * packaging, a file or directory swapped for a link (to `/etc`) never ships what the link points at, symlinks
 * that fan out stop quickly with the path named, a link never ships an ignored file (`.env`) under another name
 * unless asked, and one file larger than a buffer can hold is TOO_LARGE (not "unreadable").
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { collectFiles } from "../../provider/package/collect-files";
import { resolveOptions } from "../../provider/package/options";
import { startFileProcessor } from "../../provider/package/process-files";
import { hashSource, packageSource } from "../../provider/package";
import { isPackagingError } from "../../provider/package/errors";
import { cleanup, readZip, tempDir, writeTree } from "../package/helpers";

const FGS = path.join(__dirname, "..", "..", "bin", "fgs.js");
const PASSWD = fs.existsSync("/etc/passwd") ? fs.readFileSync("/etc/passwd") : undefined;

/** Walks `dir`, runs `between` (the race), then reads what the walk found: the real read path, split in two. */
async function walkThenRead(dir: string, between: () => void, workerThreads = 0) {
  const options = resolveOptions({ workerThreads });
  const source = collectFiles(dir, options);
  between();
  const processor = startFileProcessor(source.root, 6, options);
  for (const f of source.files) processor.add(f);
  return processor.finish();
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; path: string; message: string }> {
  try {
    await p;
  } catch (err) {
    assert.ok(isPackagingError(err), `expected a PackagingError, got ${String(err)}`);
    return { code: err.code, path: err.path, message: err.message };
  }
  throw new Error("expected packaging to be refused");
}

describe("packaging races: swaps between the walk and the read", { timeout: 60_000 }, () => {
  it("a file swapped for a FIFO is refused (UNSUPPORTED_FILE, named), never blocks — inline and on workers", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    for (const workers of [0, 1]) {
      const dir = writeTree(path.join(root, `src${workers}`), { "index.js": "x", "data.bin": "payload" });
      const r = await refusal(walkThenRead(dir, () => {
        fs.rmSync(path.join(dir, "data.bin"));
        execFileSync("mkfifo", [path.join(dir, "data.bin")]);
      }, workers));
      assert.equal(r.code, "UNSUPPORTED_FILE");
      assert.equal(r.path, path.join(dir, "data.bin"));
      assert.match(r.message, /no longer a regular file/);
    }
  });

  it("`fgs pack` on a tree holding a FIFO (or a FIFO named .gitignore) exits with the path named, without hanging", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    for (const name of ["pipe", ".gitignore"]) {
      const dir = writeTree(path.join(root, name.replace(".", "dot")), { "index.js": "x" });
      execFileSync("mkfifo", [path.join(dir, name)]);
      const run = spawnSync(process.execPath, [FGS, "pack", dir], { encoding: "utf8", timeout: 30_000 });
      assert.notEqual(run.status, 0, name);
      assert.equal(run.signal, null, `${name}: fgs pack was killed by the timeout (it hung)`);
      assert.ok(run.stderr.includes(path.join(dir, name)), `${name}: ${run.stderr}`);
    }
  });

  it("a directory swapped for a symlink to /etc after the walk does not ship /etc/passwd", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    const dir = writeTree(path.join(root, "src"), { "index.js": "x", "sub/passwd": "mine" });
    const r = await refusal(walkThenRead(dir, () => {
      fs.renameSync(path.join(dir, "sub"), path.join(root, "sub.moved"));
      fs.symlinkSync("/etc", path.join(dir, "sub"));
    }));
    assert.equal(r.code, "CHANGED_WHILE_PACKAGING");
    assert.equal(r.path, path.join(dir, "sub", "passwd"));
  });

  it("a directory swapped for a symlink to /etc DURING the walk is refused before it is listed into the package", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    const dir = writeTree(path.join(root, "src"), { "one/a.txt": "a", "two/passwd": "mine" });
    let swapped = "";
    const err = (() => {
      try {
        collectFiles(dir, resolveOptions(), (f) => {
          if (swapped) return;
          swapped = f.path.startsWith("one/") ? "two" : "one"; // the directory the walk has not listed yet
          fs.renameSync(path.join(dir, swapped), path.join(root, `${swapped}.moved`));
          fs.symlinkSync("/etc", path.join(dir, swapped));
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(isPackagingError(err), String(err));
    assert.equal(err.code, "CHANGED_WHILE_PACKAGING");
    assert.equal(err.path, path.join(dir, swapped));
  });

  it("a file swapped for a symlink, or for another file, after the walk is refused (property: any subset of files, any swap)", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    let run = 0;
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 6 }),
      fc.array(fc.constantFrom("none", "link-to-passwd", "other-file", "fifo"), { minLength: 6, maxLength: 6 }),
      async (names, swaps) => {
        const dir = writeTree(path.join(root, `p${run++}`), Object.fromEntries(names.map((n) => [`d/${n}.txt`, `content of ${n}`])));
        const swappedPaths = new Set<string>();
        const result = await walkThenRead(dir, () => {
          names.forEach((n, i) => {
            const p = path.join(dir, "d", `${n}.txt`);
            if (swaps[i] === "none") return;
            swappedPaths.add(p);
            if (swaps[i] === "other-file") {
              // Written beside it and renamed over it (as editors save): a new inode under the same name.
              fs.writeFileSync(`${p}.new`, "an impostor");
              fs.renameSync(`${p}.new`, p);
              return;
            }
            fs.rmSync(p);
            if (swaps[i] === "link-to-passwd") fs.symlinkSync("/etc/passwd", p);
            else execFileSync("mkfifo", [p]);
          });
        }).then((r) => ({ ok: r }), (e: unknown) => ({ err: e }));
        if (swappedPaths.size === 0) {
          assert.ok("ok" in result, String((result as { err: unknown }).err));
          return;
        }
        assert.ok("err" in result, "a swapped file was read");
        const e = result.err;
        assert.ok(isPackagingError(e));
        assert.ok(["CHANGED_WHILE_PACKAGING", "UNSUPPORTED_FILE"].includes(e.code), e.code);
        assert.ok(swappedPaths.has(e.path), `${e.path} was not swapped`);
      },
    ), { numRuns: 40 });
  });

  it("with workers, a swap to a link to /etc/passwd is refused and nothing of /etc/passwd is in any result", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    const dir = writeTree(path.join(root, "src"), { "index.js": "x", "sub/passwd": "mine", "sub/other": "y" });
    const r = await refusal(walkThenRead(dir, () => {
      fs.rmSync(path.join(dir, "sub", "passwd"));
      fs.symlinkSync("/etc/passwd", path.join(dir, "sub", "passwd"));
    }, 1));
    assert.equal(r.code, "CHANGED_WHILE_PACKAGING");
    if (PASSWD) {
      // The same swap through the public API: refused, whichever file the walk reaches first.
      assert.equal((await refusal(packageSource(dir))).code, "SYMLINK_ESCAPES");
    }
  });
});

describe("symlink fan-out and links to ignored files", { timeout: 60_000 }, () => {
  /** Level k holds two links to level k-1: 2^depth paths, no cycle. */
  function fanOut(dir: string, depth: number): void {
    writeTree(dir, { "l0/file.txt": "x" });
    for (let k = 1; k <= depth; k++) writeTree(dir, { [`l${k}/a`]: { symlink: `../l${k - 1}` }, [`l${k}/b`]: { symlink: `../l${k - 1}` } });
  }

  it("links that fan out (2^30 paths, no cycle) stop at once with SYMLINK_FANOUT naming a link", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    const dir = path.join(root, "src");
    fanOut(dir, 30);
    const r = await refusal(hashSource(dir));
    assert.equal(r.code, "SYMLINK_FANOUT");
    assert.match(r.path, /\/l\d+(\/[ab])+$/);
    assert.match(r.message, /maxSymlinkExpansions/);
  });

  it("a modest fan-out within the bound is packaged (each copy once per path)", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    const dir = path.join(root, "src");
    fanOut(dir, 3);
    const h = await hashSource(dir);
    assert.equal(h.files.filter((f) => f.path.endsWith("file.txt")).length, 1 + 2 + 4 + 8);
  });

  it("the entry bound: more files and directories than maxEntries is TOO_LARGE, named", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    const dir = writeTree(path.join(root, "src"), Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}.txt`, "x"])));
    const r = await refusal(hashSource(dir, { maxEntries: 20 }));
    assert.equal(r.code, "TOO_LARGE");
    assert.match(r.message, /more than 20 files and directories/);
  });

  it("a link to an ignored .env is refused (SYMLINK_TO_IGNORED naming the link) unless allowLinksToIgnored", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    const dir = writeTree(path.join(root, "src"), {
      ".gitignore": ".env\nsecrets/\n", ".env": "API_KEY=hunter2", "secrets/key.pem": "PEM", "index.js": "x",
      "config.txt": { symlink: ".env" },
    });
    const r = await refusal(packageSource(dir));
    assert.equal(r.code, "SYMLINK_TO_IGNORED");
    assert.equal(r.path, path.join(dir, "config.txt"));
    const cli = spawnSync(process.execPath, [FGS, "pack", dir], { encoding: "utf8", timeout: 30_000 });
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /config\.txt.*SYMLINK_TO_IGNORED/s);
    assert.equal(spawnSync(process.execPath, [FGS, "pack", dir, "--allow-links-to-ignored"], { encoding: "utf8", timeout: 30_000 }).status, 0);
    const allowed = await packageSource(dir, { allowLinksToIgnored: true });
    const entries = await readZip(allowed.zip);
    assert.equal(entries.find((e) => e.name === "config.txt")?.data.toString(), "API_KEY=hunter2");
    assert.ok(!entries.some((e) => e.name === ".env"));

    fs.rmSync(path.join(dir, "config.txt"));
    fs.symlinkSync("secrets", path.join(dir, "keys")); // a link to an ignored directory
    assert.equal((await refusal(packageSource(dir))).code, "SYMLINK_TO_IGNORED");
    fs.rmSync(path.join(dir, "keys"));
    fs.symlinkSync("index.js", path.join(dir, "main.js")); // a link to an included file is fine
    fs.symlinkSync(".git/config", path.join(dir, "gitcfg"), "file");
    writeTree(dir, { ".git/config": "[core]" });
    assert.equal((await refusal(packageSource(dir))).path, path.join(dir, "gitcfg"));
    fs.rmSync(path.join(dir, "gitcfg"));
    assert.ok((await readZip((await packageSource(dir)).zip)).some((e) => e.name === "main.js"));
  });

  it("no ignored content ships under another name, for any ignore set and links (property)", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    let run = 0;
    const names = ["a.txt", "b.env", "c.key", "d.js", "e.cfg"];
    await fc.assert(fc.asyncProperty(
      fc.subarray(names), fc.array(fc.nat({ max: names.length - 1 }), { maxLength: 4 }),
      async (ignored, linkTargets) => {
        const dir = path.join(root, `q${run++}`);
        const tree: Record<string, string | { symlink: string }> = { ".gitignore": ignored.join("\n") + "\n" };
        for (const n of names) tree[n] = `CONTENT:${n}`;
        linkTargets.forEach((ti, i) => (tree[`link${i}`] = { symlink: names[ti] }));
        writeTree(dir, tree);
        const result = await packageSource(dir).then((r) => ({ ok: r }), (e: unknown) => ({ err: e }));
        const linksToIgnored = linkTargets.some((ti) => ignored.includes(names[ti]));
        if ("err" in result) {
          assert.ok(isPackagingError(result.err));
          if (result.err.code === "EMPTY_AFTER_EXCLUDES") return;
          assert.equal(result.err.code, "SYMLINK_TO_IGNORED");
          assert.ok(linksToIgnored);
          return;
        }
        assert.ok(!linksToIgnored, "a link to an ignored file was packaged");
        for (const e of await readZip(result.ok.zip)) {
          for (const n of ignored) assert.notEqual(e.data.toString(), `CONTENT:${n}`, `${e.name} carries ignored ${n}`);
        }
      },
    ), { numRuns: 40 });
  });
});

describe("edges", () => {
  it("one file over the buffer limit, with maxTotalBytes raised above 4 GB, is TOO_LARGE naming it (not UNREADABLE)", async (t) => {
    const root = tempDir();
    t.after(() => cleanup(root));
    const dir = writeTree(path.join(root, "src"), { "index.js": "x" });
    const huge = path.join(dir, "huge.bin");
    fs.closeSync(fs.openSync(huge, "w"));
    fs.truncateSync(huge, 5 * 1024 ** 3); // sparse: nothing is written
    const r = await refusal(hashSource(dir, { maxTotalBytes: 8 * 1024 ** 3 }));
    assert.equal(r.code, "TOO_LARGE");
    assert.equal(r.path, huge);
    assert.match(r.message, /one file can be at most 4294967296 bytes/);
  });
});
