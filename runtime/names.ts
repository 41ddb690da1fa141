// The name of a request's typed call, as uapigen's generator spells it (its emit/names.ts):
// messages that send a caller to the Unsafe form name the function they can import.
// test/emit/names.test.ts checks the two agree on linux/generated's calls.

/** `iommuIoasMapUnsafe` for `IOMMU_IOAS_MAP`; a table row names another where it has one. */
export function unsafeCallName(request: string, named?: string): string {
  if (named) return named;
  const lead = /^_*/.exec(request)![0];
  const words = request.slice(lead.length).split("_").filter(Boolean);
  const allCaps = !/[a-z]/.test(request);
  const camel = words.map((w, i) => (i === 0 ? w[0]!.toLowerCase() : w[0]!.toUpperCase()) + (allCaps ? w.slice(1).toLowerCase() : w.slice(1))).join("");
  return `${lead}${camel}Unsafe`;
}
