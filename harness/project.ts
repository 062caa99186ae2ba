/**
 * The Pulumi project file (`Pulumi.yaml`): the project name and the program entry point, resolved the way the
 * Node.js language host resolves `main` (a file, or a directory holding index.ts / index.js).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { HarnessError } from "./plugin";

/** What the harness needs from a project directory. */
export interface Project {
  /** The directory holding Pulumi.yaml. */
  dir: string;
  /** The program's and the provider plugin's working directory, as the engine chooses it: the `main`
   *  directory, or the directory of the `main` file (the project directory without `main`). */
  pwd: string;
  name: string;
  /** Absolute path of the program entry file. */
  program: string;
  /** The project file itself (`Pulumi.yaml` or `Pulumi.yml`). */
  file: string;
  /** The project's state backend (`backend.url`), when it names one. */
  backendUrl?: string;
}

/** Reads `<dir>/Pulumi.yaml` and resolves its program entry file. */
export function readProject(dir: string): Project {
  const abs = path.resolve(dir);
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(abs, f)).find((f) => fs.existsSync(f));
  if (!file) throw new HarnessError(`no Pulumi.yaml in ${abs}`);
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { name?: unknown; main?: unknown; backend?: { url?: unknown } };
  if (typeof doc.name !== "string" || doc.name === "") throw new HarnessError(`${file} has no project name`);
  const main = path.resolve(abs, typeof doc.main === "string" ? doc.main : ".");
  const pwd = fs.existsSync(main) && fs.statSync(main).isDirectory() ? main : path.dirname(main);
  const backendUrl = typeof doc.backend?.url === "string" && doc.backend.url ? doc.backend.url : undefined;
  return { dir: abs, name: doc.name, pwd, program: resolveEntry(main), file, backendUrl };
}

/** A program file as given, or the index.ts / index.js of a directory. */
export function resolveEntry(p: string): string {
  if (fs.existsSync(p) && fs.statSync(p).isDirectory()) {
    const index = ["index.ts", "index.js"].map((f) => path.join(p, f)).find((f) => fs.existsSync(f));
    if (!index) throw new HarnessError(`no index.ts or index.js in ${p}`);
    return index;
  }
  if (!fs.existsSync(p)) throw new HarnessError(`the program ${p} does not exist`);
  return p;
}
