// Code chosen per architecture variant at load time: tests of `V`, picks between distinct code
// texts, and one body for variants whose code differs only in numbers.
import { V } from "./symbols.js";

/** `V === 1 || V === 3`: the test selecting a set of the module's variants. */
export function variantTest(variants: number[]): string {
  return variants.map((v) => `${V} === ${v}`).join(" || ");
}

/**
 * Picks per variant: `V === 1 ? b : a`. The choice most variants share is the fallback, so the
 * tests name the fewest variants (the primary row's choice where they tie). `choices` are
 * distinct code texts with the variants that use them.
 */
export function pickByVariant(choices: { variants: number[]; text: string }[]): string {
  const [fallback, ...tested] = fallbackFirst(choices);
  return tested.reduceRight((acc, c) => `${variantTest(c.variants)} ? ${c.text} : ${acc}`, fallback!.text);
}

/** The choice for most variants first (the earliest where they tie), the others in their order. */
export function fallbackFirst<T extends { variants: number[] }>(choices: T[]): T[] {
  const most = choices.reduce((best, c, i) => (c.variants.length > choices[best]!.variants.length ? i : best), 0);
  return [choices[most]!, ...choices.filter((_, i) => i !== most)];
}

/** Groups per-variant values by equal text, primary first. */
export function distinct<T>(perVariant: T[], key: (t: T) => string): { variants: number[]; value: T }[] {
  const out: { variants: number[]; value: T; key: string }[] = [];
  perVariant.forEach((v, i) => {
    const k = key(v);
    const hit = out.find((o) => o.key === k);
    if (hit) hit.variants.push(i);
    else out.push({ variants: [i], value: v, key: k });
  });
  return out;
}

/**
 * One codec body for variants whose code differs only in numbers (vfio.h's structs with `__u64`
 * members, 4-aligned on i386): each number that differs reads `<table>.<key>`, the key named
 * after the member or property it follows where there is one (`flags`, `size`), else `n<k>`.
 * The table picks the variant's numbers at load. Undefined where the code differs in more.
 */
export function oneBody(choices: { variants: number[]; text: string }[], table: string): { table?: string; body: string } | undefined {
  const parts = choices.map((c) => c.text.split(/\b(\d+)\b/));
  const first = parts[0]!;
  if (parts.some((p) => p.length !== first.length || p.some((x, i) => i % 2 === 0 && x !== first[i]))) return undefined;
  const keyOf = new Map<string, string>();
  const body: string[] = [];
  first.forEach((text, i) => {
    const values = parts.map((p) => p[i]!);
    if (i % 2 === 0 || values.every((v) => v === values[0])) {
      body.push(text);
      return;
    }
    const vector = values.join(",");
    let key = keyOf.get(vector);
    if (!key) {
      const taken = new Set(keyOf.values());
      const named = /(\w+): $/.exec(first[i - 1]!)?.[1];
      key = named && !taken.has(named) ? named : `n${keyOf.size}`;
      // A member may be called `n2` itself.
      while (taken.has(key)) key = `_${key}`;
      keyOf.set(vector, key);
    }
    body.push(`${table}.${key}`);
  });
  const pick = (vector: string) => pickByVariant(choices.map((c, v) => ({ variants: c.variants, text: vector.split(",")[v]! })));
  // One number that differs, once, as a property's value (`align` alone): picked where it is,
  // without a table (a property value needs no parentheses around the pick).
  const at = body.map((b, i) => (b.startsWith(`${table}.`) ? i : -1)).filter((i) => i >= 0);
  if (at.length === 1 && /\w+: $/.test(body[at[0]! - 1]!)) {
    const vector = [...keyOf.keys()][0]!;
    return { body: body.map((b, i) => (i === at[0] ? pick(vector) : b)).join("") };
  }
  const tables = choices.map((c, v) => ({ variants: c.variants, text: `{ ${[...keyOf].map(([vector, key]) => `${key}: ${vector.split(",")[v]}`).join(", ")} }` }));
  return { table: pickByVariant(tables), body: body.join("") };
}
