// The layout as `uapigen layout --json` prints it: exactly what the generator computed.
import type { HeaderModel } from "../ir/decls.js";
import type { LayoutEngine } from "../target/layout.js";

export interface FieldReport {
  offset?: number;
  size?: number;
  bit_offset?: number;
  bit_size?: number;
}

export interface LayoutReport {
  arch: string;
  structs: Record<string, { kind: "struct" | "union"; size: number; align: number; fields: Record<string, FieldReport> }>;
  ioctls: Record<string, bigint>;
  constants: Record<string, bigint>;
  /** #defines meant as integers that could not be evaluated here, and why. */
  unevaluated: Record<string, { line: number; reason: string }>;
}

export function layoutReport(model: HeaderModel, layout: LayoutEngine): LayoutReport {
  const report: LayoutReport = { arch: layout.abi.name, structs: {}, ioctls: {}, constants: {}, unevaluated: {} };
  for (const r of model.records) {
    // Anonymous records are reported inside the record that holds them, or by their typedef.
    const key = r.tag ?? r.typedefName;
    if (!key) continue;
    const l = layout.record(r);
    const fields: Record<string, FieldReport> = {};
    for (const f of layout.flatten(r)) {
      fields[f.name] = f.bitSize !== undefined ? { bit_offset: f.bitOffset!, bit_size: f.bitSize } : { offset: f.offset, size: f.size };
    }
    report.structs[key] = { kind: r.kind, size: l.size, align: l.align, fields };
  }
  for (const e of model.enums) for (const x of e.enumerators) report.constants[x.name] = x.value.v;
  for (const c of model.constants) {
    report.constants[c.name] = c.value.v;
    if (c.ioctl) report.ioctls[c.name] = c.ioctl.request;
  }
  for (const o of model.otherDefines) if (o.unevaluated) report.unevaluated[o.name] = { line: o.loc.line, reason: o.reason };
  return report;
}

/** JSON with bigints written as exact integers. */
export function toJson(value: unknown, indent = 2): string {
  const marks: string[] = [];
  const text = JSON.stringify(
    value,
    (_k, v) => {
      if (typeof v !== "bigint") return v;
      marks.push(v.toString());
      return `\u0000${marks.length - 1}\u0000`;
    },
    indent,
  );
  return text.replace(/"\\u0000(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}

/** The same layout for people: one block per struct, one line per member. */
export function layoutText(report: LayoutReport): string {
  const lines: string[] = [];
  for (const [tag, s] of Object.entries(report.structs)) {
    lines.push(`${s.kind} ${tag}: size ${s.size}, align ${s.align}`);
    for (const [name, f] of Object.entries(s.fields)) {
      lines.push(f.bit_size !== undefined ? `  bit ${f.bit_offset}:${f.bit_size}  ${name}` : `  +${f.offset} (${f.size})  ${name}`);
    }
  }
  for (const [name, v] of Object.entries(report.ioctls)) lines.push(`ioctl ${name} = 0x${v.toString(16)}`);
  return lines.join("\n") + "\n";
}
