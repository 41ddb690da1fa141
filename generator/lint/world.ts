// Names defined anywhere in the installed uAPI tree and the libc headers beside it: a doc may
// name `struct v4l2_buffer` or `struct timeval` without including their headers, and that is
// not a broken reference. A light lexical scan (tags, macros, enumerators), cached per directory.
import fs from "node:fs";
import path from "node:path";

/** The folders of an include directory that hold uAPI and libc declarations. */
const FOLDERS = ["", "linux", "asm", "asm-generic", "drm", "misc", "rdma", "sound", "video", "scsi", "mtd", "xen", "fwctl", "cxl", "regulator", "sys", "bits", "bits/types", "net", "netinet", "netpacket"];

const cache = new Map<string, Set<string>>();

function scanText(text: string, out: Set<string>): void {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, " ");
  for (const m of code.matchAll(/\b(?:struct|union|enum)\s+([A-Za-z_]\w*)\s*\{/g)) out.add(m[1]!);
  for (const m of code.matchAll(/^\s*#\s*define\s+([A-Za-z_]\w*)/gm)) out.add(m[1]!);
  for (const m of code.matchAll(/\btypedef\b[^;{]*?([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*;/g)) out.add(m[1]!);
  for (const body of code.matchAll(/\benum\b[^{;]*\{([^}]*)\}/g)) {
    for (const m of body[1]!.matchAll(/(?:^|,)\s*([A-Za-z_]\w*)/g)) out.add(m[1]!);
  }
}

/** Every name the headers of `dir`'s uAPI and libc folders define. */
function namesIn(dir: string): Set<string> {
  let names = cache.get(dir);
  if (names) return names;
  names = new Set();
  for (const folder of FOLDERS) {
    const d = path.join(dir, folder);
    let entries: string[];
    try {
      // linux/ with its subfolders (linux/can/netlink.h); the others flat.
      entries = folder === "linux" ? (fs.readdirSync(d, { recursive: true }) as string[]) : fs.readdirSync(d);
    } catch {
      continue;
    }
    for (const e of entries) if (e.endsWith(".h")) scanText(fs.readFileSync(path.join(d, e), "utf8"), names);
  }
  cache.set(dir, names);
  return names;
}

/** The names defined under any of the include directories. */
export function worldNames(dirs: string[]): (name: string) => boolean {
  const sets = [...new Set(dirs.map((d) => path.resolve(d)))].map(namesIn);
  return (name) => sets.some((s) => s.has(name));
}
