// What gcc itself says a header declares, read from the DWARF of a compiled probe with
// readelf: every struct, union, member (anonymous members resolved) and enumerator, found
// independently of uapigen's parser.
import { execFileSync } from "node:child_process";
import path from "node:path";

interface Die {
  tag: string;
  offset: number;
  attrs: Map<string, string>;
  children: Die[];
}

export interface DwarfMember {
  /** Flattened through anonymous members. */
  name: string;
  offset: number;
  bitOffset?: number;
  bitSize?: number;
  flexible: boolean;
}

export interface DwarfRecord {
  kind: "struct" | "union";
  name: string;
  /** Named by a typedef only (`typedef struct { ... } name;`): spelled without `struct`. */
  typedef: boolean;
  size: number;
  members: DwarfMember[];
}

export interface DwarfFacts {
  records: Map<string, DwarfRecord>;
  enumerators: Map<string, bigint>;
}

function parseValue(raw: string): string {
  // `(strp) (offset: 0x18d): __s8`, `(data1) 2`, `(ref4) <0x29>, signed char`
  let v = raw.trim();
  const indirect = /^\([^)]*\)\s*\((?:indirect [\w ]+, )?(?:offset|index): [^)]*\): (.*)$/.exec(v);
  if (indirect) return indirect[1]!;
  while (/^\([\w ]+\)\s*/.test(v)) v = v.replace(/^\([\w ]+\)\s*/, "");
  return v;
}

function parseDies(text: string): Die[] {
  const roots: Die[] = [];
  const stack: Die[] = [];
  let current: Die | undefined;
  for (const line of text.split("\n")) {
    const head = /^\s*<(\d+)><([0-9a-f]+)>: Abbrev Number: \d+(?: \((DW_TAG_\w+)\))?/.exec(line);
    if (head) {
      const depth = Number(head[1]);
      stack.length = depth;
      if (!head[3]) {
        current = undefined;
        continue;
      }
      current = { tag: head[3], offset: parseInt(head[2]!, 16), attrs: new Map(), children: [] };
      if (depth === 0) roots.push(current);
      else stack[depth - 1]?.children.push(current);
      stack[depth] = current;
      continue;
    }
    const attr = /^\s*<[0-9a-f]+>\s+(DW_AT_\w+)\s*:\s*(.*)$/.exec(line);
    if (attr && current) current.attrs.set(attr[1]!, parseValue(attr[2]!));
  }
  return roots;
}

/** The file table of the line program: index -> absolute path. */
function fileTable(objFile: string, compDir: string): Map<number, string> {
  const text = execFileSync("readelf", ["--debug-dump=line", objFile], { encoding: "utf8", maxBuffer: 1 << 28 });
  const dirs = new Map<number, string>([[0, compDir]]);
  const files = new Map<number, string>();
  let section: "dirs" | "files" | undefined;
  for (const line of text.split("\n")) {
    if (/The Directory Table/.test(line)) section = "dirs";
    else if (/The File Name Table/.test(line)) section = "files";
    else if (/Line Number Statements|^\s*$/.test(line) && section === "files" && files.size) section = undefined;
    else if (section === "dirs") {
      const m = /^\s+(\d+)\s+(?:\(.*\):\s*)?(\S+)$/.exec(line);
      if (m) dirs.set(Number(m[1]), m[2]!);
    } else if (section === "files") {
      const m = /^\s+(\d+)\s+(\d+)\s+(?:\d+\s+\d+\s+)?(?:\(.*\):\s*)?(\S+)$/.exec(line);
      if (m) files.set(Number(m[1]), path.resolve(dirs.get(Number(m[2])) ?? compDir, m[3]!));
    }
  }
  return files;
}

export function readDwarf(objFile: string, header: string, compDir: string, endian: "little" | "big" = "little"): DwarfFacts {
  const text = execFileSync("readelf", ["--debug-dump=info", "--wide", objFile], { encoding: "utf8", maxBuffer: 1 << 28 });
  const files = fileTable(objFile, compDir);
  const target = path.resolve(header);
  const byOffset = new Map<number, Die>();
  const index = (d: Die) => {
    byOffset.set(d.offset, d);
    d.children.forEach(index);
  };
  const roots = parseDies(text);
  roots.forEach(index);
  const ref = (d: Die, attr = "DW_AT_type") => {
    const m = /<0x([0-9a-f]+)>/.exec(d.attrs.get(attr) ?? "");
    return m ? byOffset.get(parseInt(m[1]!, 16)) : undefined;
  };
  const strip = (d: Die | undefined): Die | undefined => {
    while (d && (d.tag === "DW_TAG_typedef" || d.tag === "DW_TAG_const_type" || d.tag === "DW_TAG_volatile_type")) d = ref(d);
    return d;
  };
  const num = (d: Die, attr: string) => (d.attrs.has(attr) ? Number(d.attrs.get(attr)!.split(/\s/)[0]) : undefined);
  const inHeader = (d: Die) => {
    const f = num(d, "DW_AT_decl_file");
    return f !== undefined && files.get(f) === target;
  };

  const flatten = (rec: Die, base: number, out: DwarfMember[]) => {
    for (const m of rec.children.filter((c) => c.tag === "DW_TAG_member")) {
      const offset = base + (num(m, "DW_AT_data_member_location") ?? 0);
      const type = strip(ref(m));
      const name = m.attrs.get("DW_AT_name");
      if (!name) {
        if (type && (type.tag === "DW_TAG_structure_type" || type.tag === "DW_TAG_union_type")) flatten(type, offset, out);
        continue;
      }
      const bitSize = num(m, "DW_AT_bit_size");
      if (bitSize !== undefined) {
        let bitOffset = num(m, "DW_AT_data_bit_offset");
        if (bitOffset === undefined) {
          // DWARF 2-4 style (gcc still writes it for union members): the bits from the storage
          // unit's most significant bit to the field's, which is allocation order on big-endian.
          const byteSize = num(m, "DW_AT_byte_size")!;
          const fromTop = num(m, "DW_AT_bit_offset")!;
          bitOffset = offset * 8 + (endian === "big" ? fromTop : byteSize * 8 - fromTop - bitSize);
        } else bitOffset += base * 8;
        out.push({ name, offset, bitOffset, bitSize, flexible: false });
        continue;
      }
      const sub = type?.tag === "DW_TAG_array_type" ? type.children.find((c) => c.tag === "DW_TAG_subrange_type") : undefined;
      const flexible = !!sub && !sub.attrs.has("DW_AT_upper_bound") && !sub.attrs.has("DW_AT_count");
      out.push({ name, offset, flexible });
    }
  };

  const facts: DwarfFacts = { records: new Map(), enumerators: new Map() };
  const record = (d: Die, name: string, typedef: boolean) => {
    const members: DwarfMember[] = [];
    flatten(d, 0, members);
    facts.records.set(name, { kind: d.tag === "DW_TAG_union_type" ? "union" : "struct", name, typedef, size: num(d, "DW_AT_byte_size") ?? 0, members });
  };
  const visit = (d: Die) => {
    if ((d.tag === "DW_TAG_structure_type" || d.tag === "DW_TAG_union_type") && inHeader(d) && !d.attrs.has("DW_AT_declaration")) {
      const name = d.attrs.get("DW_AT_name");
      if (name) record(d, name, false);
    }
    if (d.tag === "DW_TAG_enumeration_type" && inHeader(d)) {
      for (const e of d.children.filter((c) => c.tag === "DW_TAG_enumerator")) {
        const raw = e.attrs.get("DW_AT_const_value")!.split(/\s/)[0]!;
        facts.enumerators.set(e.attrs.get("DW_AT_name")!, BigInt(raw.startsWith("0x") ? raw : raw));
      }
    }
    d.children.forEach(visit);
  };
  roots.forEach(visit);
  // Untagged file-scope records named only through a typedef.
  for (const r of roots.flatMap((x) => x.children)) {
    if (r.tag === "DW_TAG_typedef" && inHeader(r)) {
      const t = ref(r);
      if (t && (t.tag === "DW_TAG_structure_type" || t.tag === "DW_TAG_union_type") && !t.attrs.has("DW_AT_name") && !t.attrs.has("DW_AT_declaration")) {
        record(t, r.attrs.get("DW_AT_name")!, true);
      }
    }
  }
  return facts;
}
