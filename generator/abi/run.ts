// `uapigen abi`: two versions of a header, or of an include tree (`linux/*.h`, and each row's
// `<triplet>/asm/*.h`), built on every ABI row asked for and compared. A header uapigen cannot
// build is a located finding of its own, never a crash; a header whose files are all the same in
// both trees is built once.
import fs from "node:fs";
import path from "node:path";
import { InputError, type SourceLocation } from "../ir/diagnostics.js";
import { buildHeader, defaultIncludeDirs, includeDirsFor } from "../model/build.js";
import { ABIS, type Abi } from "../target/abi.js";
import { compareHeader, mergeRows } from "./compare.js";
import { headerFacts, type HeaderFacts } from "./facts.js";
import { ABI_RULES, type AbiFinding } from "./rules.js";

export interface AbiOptions {
  rows: Abi[];
  /** More include directories, after each version's own (a triplet-named one follows the row). */
  includeDirs?: string[];
  /** Files included before each header, as gcc's -include (what `generate --include` gave). */
  forceIncludes?: string[];
  /**
   * compareAgainst: find the new headers' includes as `generate` does, the -I list (when given)
   * instead of the header's own tree, so the comparison sees what generate built.
   */
  asGenerated?: boolean;
  /** Called after each header (tree mode), for progress. */
  onHeader?: (name: string, index: number, total: number) => void;
}

export interface AbiResult {
  findings: AbiFinding[];
  /** Headers compared (by name) and header × row builds, failures among them. */
  headers: number;
  builds: number;
  failed: number;
  /** Header × row pairs whose files were all the same in both versions (built once). */
  unchanged: number;
  /** Header × row pairs built in both versions and compared. */
  compared: number;
}

type Built = { facts: HeaderFacts; files: string[] } | { error: { message: string; loc: SourceLocation } };

const TRIPLETS = () => new Set(Object.values(ABIS).map((a) => a.triplet));

function build(file: string, abi: Abi, dirs: string[], forceIncludes?: string[]): Built {
  try {
    const b = buildHeader(file, { abi, includeDirs: includeDirsFor(file, abi, dirs), forceIncludes });
    return { facts: headerFacts(b.model, b.layout), files: b.files };
  } catch (err) {
    if (err instanceof InputError) return { error: { message: err.diagnostic.message, loc: err.diagnostic.loc ?? { file, line: 1, column: 1 } } };
    // A bug of uapigen's on this header: still a located finding, with what went wrong.
    return { error: { message: `internal error: ${(err as Error)?.message ?? String(err)}`, loc: { file, line: 1, column: 1 } } };
  }
}

/** One header of both versions: its files on each side (absent: the version lacks it). */
interface Pair {
  name: string;
  old: (abi: Abi) => string | undefined;
  new: (abi: Abi) => string | undefined;
  dirs: (side: "old" | "new", abi: Abi) => string[];
  roots: { old: string; new: string };
}

const exists = (f: string) => fs.existsSync(f) && fs.statSync(f).isFile();

function retarget(dirs: string[], abi: Abi): string[] {
  const triplets = TRIPLETS();
  return dirs.map((d) => (triplets.has(path.basename(d)) ? path.join(path.dirname(d), abi.triplet) : d));
}

/** The header pairs of two trees: `linux/*.h` and `asm/*.h` of every triplet folder. */
function treePairs(oldRoot: string, newRoot: string, extra: string[]): Pair[] {
  const list = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".h")) : []);
  const dirsOf = (root: string) => (abi: Abi) => [root, path.join(root, abi.triplet), ...retarget(extra, abi)];
  const sides = { old: dirsOf(oldRoot), new: dirsOf(newRoot) };
  const pairs: Pair[] = [];
  const linux = [...new Set([...list(path.join(oldRoot, "linux")), ...list(path.join(newRoot, "linux"))])].sort();
  for (const h of linux) {
    const at = (root: string) => () => (exists(path.join(root, "linux", h)) ? path.join(root, "linux", h) : undefined);
    pairs.push({ name: `linux/${h}`, old: at(oldRoot), new: at(newRoot), dirs: (s, abi) => sides[s](abi), roots: { old: oldRoot, new: newRoot } });
  }
  const triplets = [...TRIPLETS()];
  const asm = [...new Set(triplets.flatMap((t) => [...list(path.join(oldRoot, t, "asm")), ...list(path.join(newRoot, t, "asm"))]))].sort();
  for (const h of asm) {
    const at = (root: string) => (abi: Abi) => (exists(path.join(root, abi.triplet, "asm", h)) ? path.join(root, abi.triplet, "asm", h) : undefined);
    pairs.push({ name: `asm/${h}`, old: at(oldRoot), new: at(newRoot), dirs: (s, abi) => sides[s](abi), roots: { old: oldRoot, new: newRoot } });
  }
  return pairs;
}

/** Two single headers: each with the compiler-style include path of its own tree. */
function headerPair(oldFile: string, newFile: string, extra: string[]): Pair {
  const rootOf = (f: string) => defaultIncludeDirs(f, ABIS.x86_64!)[0]!;
  const name = path.relative(rootOf(newFile), path.resolve(newFile)).split(path.sep).join("/");
  return {
    name,
    old: () => path.resolve(oldFile),
    new: () => path.resolve(newFile),
    dirs: (s, abi) => [...defaultIncludeDirs(s === "old" ? oldFile : newFile, abi), ...retarget(extra, abi)],
    roots: { old: rootOf(oldFile), new: rootOf(newFile) },
  };
}

/** The include name of a file, below the first of `dirs` holding it. */
function nameIn(file: string, dirs: string[]): string {
  for (const d of dirs) {
    const rel = path.relative(d, file);
    if (rel && !rel.startsWith("..") && !path.isAbsolute(rel)) return rel.split(path.sep).join("/");
  }
  return file;
}

export function compareAbi(oldPath: string, newPath: string, opts: AbiOptions): AbiResult {
  const oldIsDir = fs.statSync(oldPath).isDirectory();
  const newIsDir = fs.statSync(newPath).isDirectory();
  if (oldIsDir !== newIsDir) throw new InputError("usage", `compare a header with a header or a tree with a tree ('${oldPath}' is a ${oldIsDir ? "directory" : "file"}, '${newPath}' a ${newIsDir ? "directory" : "file"})`);
  const extra = opts.includeDirs ?? [];
  return comparePairs(oldIsDir ? treePairs(path.resolve(oldPath), path.resolve(newPath), extra) : [headerPair(oldPath, newPath, extra)], opts);
}

/**
 * Headers against a baseline tree (a project's previous or vendored headers): each header is the
 * new version, and the old one is the header of the same include name (`linux/vfio.h`) in it.
 */
export function compareAgainst(baseline: string, headers: string[], opts: AbiOptions): AbiResult {
  if (!fs.existsSync(baseline) || !fs.statSync(baseline).isDirectory()) throw new InputError("usage", `the baseline must be an include directory: ${baseline}`);
  const extra = opts.includeDirs ?? [];
  const pairs = headers.map((h) => {
    const pair = headerPair(h, h, extra);
    const old = path.join(baseline, pair.name);
    const found: Pair = exists(old) ? headerPair(old, h, extra) : { ...pair, old: () => undefined };
    if (!opts.asGenerated || !extra.length) return found;
    return { ...found, dirs: (side: "old" | "new", abi: Abi) => (side === "new" ? retarget(extra, abi) : found.dirs(side, abi)) };
  });
  return comparePairs(pairs, opts);
}

function comparePairs(pairs: Pair[], opts: AbiOptions): AbiResult {
  const raw: AbiFinding[] = [];
  const result: AbiResult = { findings: [], headers: pairs.length, builds: 0, failed: 0, unchanged: 0, compared: 0 };
  const same = new Map<string, boolean>();
  const sameFile = (a: string, b: string): boolean => {
    const key = `${a}\0${b}`;
    if (!same.has(key)) same.set(key, a === b || (exists(b) && fs.readFileSync(a).equals(fs.readFileSync(b))));
    return same.get(key)!;
  };
  pairs.forEach((pair, index) => {
    for (const abi of opts.rows) {
      const [o, n] = [pair.old(abi), pair.new(abi)];
      if (!o && !n) continue;
      const loc = (f: string): SourceLocation => ({ file: f, line: 1, column: 1 });
      if (!n) {
        raw.push({ class: "breaking", rule: "header-removed", header: pair.name, decl: "", rows: [abi.name], message: `${pair.name} removed`, loc: loc(o!) });
        continue;
      }
      if (!o) {
        raw.push({ class: "extension", rule: "header-added", header: pair.name, decl: "", rows: [abi.name], message: `${pair.name} added`, loc: loc(n) });
        continue;
      }
      const oldDirs = includeDirsFor(o, abi, pair.dirs("old", abi));
      const newDirs = includeDirsFor(n, abi, pair.dirs("new", abi));
      const before = build(o, abi, pair.dirs("old", abi), opts.forceIncludes);
      result.builds++;
      // Every file the old version read is the same in the new tree: nothing to compare.
      const unchanged = (f: string) => (f.startsWith(pair.roots.old + path.sep) ? sameFile(f, path.join(pair.roots.new, path.relative(pair.roots.old, f))) : true);
      if ("files" in before && sameFile(o, n) && before.files.every(unchanged)) {
        result.unchanged++;
        continue;
      }
      const after = build(n, abi, pair.dirs("new", abi), opts.forceIncludes);
      result.builds++;
      if ("error" in before || "error" in after) {
        if ("error" in before) result.failed++;
        if ("error" in after) result.failed++;
        const e = "error" in after ? after.error : (before as { error: { message: string; loc: SourceLocation } }).error;
        const which = "error" in before && "error" in after ? "either version" : "error" in after ? "the new version" : "the old version";
        raw.push({ class: ABI_RULES.unbuildable.class, rule: "unbuildable", header: pair.name, decl: "", rows: [abi.name], message: `${pair.name} cannot be built in ${which}, so it is not compared: ${e.message}`, loc: e.loc });
        continue;
      }
      const nameOf = (f: string) => nameIn(f, f.startsWith(pair.roots.old) ? oldDirs : newDirs);
      result.compared++;
      raw.push(...compareHeader(before.facts, after.facts, { header: pair.name, row: abi.name, nameOf }));
    }
    opts.onHeader?.(pair.name, index, pairs.length);
  });
  result.findings = mergeRows(raw, opts.rows.map((r) => r.name));
  return result;
}
