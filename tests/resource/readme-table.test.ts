/** The README's argument table and output list are exactly what the property table generates. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ARG_NAMES } from "../../provider/api/property-derivations";
import { argumentSection, withArgumentSection } from "../../provider/resource/readme-table";

const README = path.join(__dirname, "..", "..", "..", "README.md");

test("README.md holds the generated argument section (regenerate: node dist/provider/resource/readme-table.js --write README.md)", () => {
  const text = readFileSync(README, "utf8");
  assert.equal(withArgumentSection(text), text, "the README's argument table is out of date with the property table");
  for (const name of ARG_NAMES) assert.ok(text.includes(`| \`${name}\` |`), `README documents ${name}`);
});

test("the generated table has one row per argument and never a broken cell", () => {
  const rows = argumentSection().split("\n").filter((l) => l.startsWith("| `"));
  assert.equal(rows.length, ARG_NAMES.length);
  for (const r of rows) assert.equal(r.replace(/\\\|/g, "").split("|").length, 6, `4 cells: ${r}`);
});
