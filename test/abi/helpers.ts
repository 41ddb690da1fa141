// Shared by the abi tests: every row, the vendored 7.3 include path, a finding as one line.
import path from "node:path";
import { rowsText } from "#generator/abi/format.js";
import type { AbiFinding } from "#generator/abi/rules.js";
import { ABIS } from "#generator/target/abi.js";
import { ABI_ROWS } from "#generator/target/abi-rows.js";
import { ROOT } from "../helpers.js";

export const ROWS = ABI_ROWS.map((r) => ABIS[r.name]!);
const NAMES = ROWS.map((r) => r.name);
export const TREE_73 = [path.join(ROOT, "headers", "7.3"), path.join(ROOT, "headers", "7.3", "x86_64-linux-gnu")];

export const show = (f: AbiFinding) => `${f.class} [${f.rule}] ${f.header} ${f.decl}${f.member ? `.${f.member}` : ""}: ${f.message}${f.affects?.length ? `; moves ${f.affects.join(", ")}` : ""} (on ${rowsText(f.rows, NAMES)})`;

