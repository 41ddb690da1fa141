// Which constant names a header "owns": an unknown `NL80211_ATTR_X` in nl80211.h's docs is a
// broken reference, but `%NL80211_MCGRP_NAN` (a kernel-internal group), `BR_USER_STP` in
// if_link.h (a kernel-internal state) or `MAX_SP` (an 802.11 field) are names the header never
// claimed. A name is the header's own when its first word is one of the header's namespaces and
// its first two words are a family the header uses (or a real name is a few edits away).

/** The first word of a constant with its underscore: `NL80211_`. */
const firstWord = (name: string) => /^([A-Z][A-Z0-9]*_)/.exec(name)?.[1];
/** The first two words: `NL80211_ATTR_`; undefined for a two-word name (its family is its first word). */
const family = (name: string) => /^([A-Z][A-Z0-9]*_[A-Z0-9]+_)[A-Z0-9]/.exec(name)?.[1];

/** A prefix is a namespace when at least this share of the header's constants use it. */
const NAMESPACE_SHARE = 1 / 20;

export interface Namespaces {
  /** First words used by a real share of the header's constants (`MAX_` in nl80211.h is not). */
  prefixes: Set<string>;
  /** First-two-word families of the header's constants. */
  families: Set<string>;
}

export function namespacesOf(constants: Iterable<string>): Namespaces {
  const counts = new Map<string, number>();
  const families = new Set<string>();
  let total = 0;
  for (const c of constants) {
    const w = firstWord(c);
    if (!w) continue;
    total++;
    counts.set(w, (counts.get(w) ?? 0) + 1);
    const f = family(c);
    if (f) families.add(f);
  }
  const prefixes = new Set([...counts].filter(([, n]) => n >= total * NAMESPACE_SHARE).map(([w]) => w));
  return { prefixes, families };
}

/**
 * Whether an unknown constant claims to be one of the header's: its namespace, and its family
 * (`NL80211_ATTR_`) or, for a family the header lacks, a near real name (`hasNearName`).
 */
export function claimsNamespace(name: string, ns: Namespaces | undefined, hasNearName: () => boolean): boolean {
  const w = firstWord(name);
  if (!ns || !w || !ns.prefixes.has(w)) return false;
  const f = family(name);
  return f === undefined || ns.families.has(f) || hasNearName();
}
