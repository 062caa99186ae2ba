/**
 * Unpacked code, one directory per code digest under the runtime's work dir, unpacked once and shared by every
 * instance of that code. The directory is read-only to the function (as `/opt/function/code` is in the
 * service); each instance writes to its own temp dir instead.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { extractZip } from "../zip/extract";

/** Unpacked code dirs by digest. */
export class CodeCache {
  private readonly dirs = new Map<string, Promise<string>>();

  constructor(private readonly root: string) {}

  /** The directory holding the code of `digest` (unpacked from `zip` on first use). */
  dir(digest: string, zip: () => Buffer | undefined): Promise<string> {
    let p = this.dirs.get(digest);
    if (!p) {
      p = (async () => {
        const data = zip();
        if (!data) throw new Error(`the code blob ${digest.slice(0, 12)}… is missing from the store`);
        const dir = path.join(this.root, digest.slice(0, 32));
        const staging = `${dir}.${process.pid}.${Date.now()}.tmp`;
        try {
          await extractZip(data, staging);
        } catch (err) {
          fs.rmSync(staging, { recursive: true, force: true });
          throw err;
        }
        fs.rmSync(dir, { recursive: true, force: true });
        fs.renameSync(staging, dir);
        return dir;
      })();
      p.catch(() => this.dirs.delete(digest));
      this.dirs.set(digest, p);
    }
    return p;
  }
}
