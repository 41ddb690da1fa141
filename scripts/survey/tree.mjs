// The surveyed tree and its rows (linux-libc-dev comes from ../lib/kernel-source.mjs): the
// headers of each row (every linux/*.h, and that row's own asm/*.h), and the include list uapigen
// and the row's gcc share (gcc with -nostdinc, so both look in the same places, libc last).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const DEFAULT_VERSION = "7.3.4-1~bpo13+1";

/** The surveyed rows: the host's, and a big-endian one with its cross compiler and libc. */
export const ROWS = [
  { name: "x86_64", triplet: "x86_64-linux-gnu", gcc: "gcc", libc: ["/usr/include/x86_64-linux-gnu", "/usr/include"], endian: "little" },
  { name: "s390x", triplet: "s390x-linux-gnu", gcc: "s390x-linux-gnu-gcc", libc: ["/usr/s390x-linux-gnu/include"], endian: "big" },
];

/** -I directories for a row: the tree, its asm/ headers, gcc's own headers, then libc's. */
export function includeDirs(include, row) {
  const gccInclude = execFileSync(row.gcc, ["-print-file-name=include"], { encoding: "utf8" }).trim();
  return [include, path.join(include, row.triplet), gccInclude, ...row.libc];
}

/** Every survey job: one per row and header, with the #include spelling and the file. */
export function surveyJobs(include) {
  const jobs = [];
  const headersIn = (dir) => fs.readdirSync(dir).filter((f) => f.endsWith(".h")).sort();
  for (const row of ROWS) {
    for (const name of headersIn(path.join(include, "linux"))) jobs.push({ row: row.name, include: `linux/${name}`, file: path.join(include, "linux", name) });
    const asm = path.join(include, row.triplet, "asm");
    for (const name of headersIn(asm)) jobs.push({ row: row.name, include: `asm/${name}`, file: path.join(asm, name) });
  }
  return jobs;
}

/**
 * The -I list for one module serving every row: uapigen swaps each directory named after a
 * triplet for the row's own, so each row's libc is linked under work/libc/<triplet>.
 */
export function jointIncludeDirs(include, work) {
  for (const row of ROWS) {
    const link = path.join(work, "libc", row.triplet);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    if (!fs.existsSync(link)) fs.symlinkSync(row.libc[0], link);
  }
  const [primary] = ROWS;
  return [include, path.join(include, primary.triplet), includeDirs(include, primary)[2], path.join(work, "libc", primary.triplet), "/usr/include"];
}

export const rowNamed = (name) => ROWS.find((r) => r.name === name);
