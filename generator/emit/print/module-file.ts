// A module file: statements as emitted text, printed in prettier's layout, and the imports of the
// symbols the printed code uses.
import { hardline, printDoc, type Doc } from "./doc.js";
import { Printer } from "./layout.js";
import type { ImportSymbol } from "./marks.js";
import { Parser } from "./parser.js";
import { tokenize } from "./tokens.js";

/** prettier's printWidth for the generated modules. */
const WIDTH = 100;

export interface ImportFrom {
  /** The key symbols name (`runtime:codec`), or a specifier. */
  key: string;
  specifier: string;
  /** `inline`: one statement with `type` on type names, sorted as locales do; `split`: values, then types. */
  style?: "inline" | "split";
}

export class ModuleFile {
  private readonly parts: { doc: Doc; blank: boolean }[] = [];
  private readonly used = new Set<ImportSymbol>();

  /** Adds statements, each with its /** *\/ doc; `blank`: a blank line before them. */
  add(text: string, blank = false): void {
    this.parts.push({ doc: this.parse(text), blank });
  }

  /** Adds statements before those added so far (after the file comment, when there is one). */
  insert(at: number, text: string, blank = false): void {
    this.parts.splice(at, 0, { doc: this.parse(text), blank });
  }

  get length(): number {
    return this.parts.length;
  }

  /** Whether the code added so far names a symbol (`uses(local("LE"))`). */
  uses(marker: string): boolean {
    const t = tokenize(marker)[0]!;
    return t.sym !== undefined && this.used.has(t.sym);
  }

  private parse(text: string): Doc {
    const stmts = new Parser(tokenize(text), (s) => this.used.add(s)).program();
    return new Printer().statements(stmts);
  }

  /**
   * The import statements of the symbols used, module by module in `order` (then others by
   * specifier), as text for `insert`.
   */
  imports(order: ImportFrom[], others: ImportFrom["style"] = "inline"): string {
    const byModule = new Map<string, ImportSymbol[]>();
    for (const s of this.used) {
      if (s.from === "local:") continue;
      byModule.set(s.from, [...(byModule.get(s.from) ?? []), s]);
    }
    const known = new Map(order.map((o) => [o.key, o]));
    const keys = [...order.map((o) => o.key).filter((k) => byModule.has(k)), ...[...byModule.keys()].filter((k) => !known.has(k)).sort((a, b) => a.localeCompare(b))];
    const out: string[] = [];
    for (const key of keys) {
      const from = known.get(key) ?? { key, specifier: key, style: others };
      const syms = byModule.get(key)!;
      const spec = JSON.stringify(from.specifier);
      if (from.style === "inline") {
        const named = syms.sort((a, b) => a.name.localeCompare(b.name)).map((s) => (s.typeOnly ? `type ${s.name}` : s.name));
        out.push(`import { ${named.join(", ")} } from ${spec};`);
        continue;
      }
      const values = syms.filter((s) => !s.typeOnly).map((s) => s.name).sort();
      const types = syms.filter((s) => s.typeOnly).map((s) => s.name).sort();
      if (values.length) out.push(`import { ${values.join(", ")} } from ${spec};`);
      if (types.length) out.push(`import type { ${types.join(", ")} } from ${spec};`);
    }
    return out.join("\n");
  }

  /** The module's text, laid out in 100 columns. */
  print(): string {
    const docs: Doc[] = [];
    this.parts.forEach((p, i) => {
      if (i) docs.push(hardline, p.blank ? hardline : "");
      docs.push(p.doc);
    });
    docs.push(hardline);
    return printDoc(docs, WIDTH);
  }
}

