// The request numbers gcc evaluates: every object-like #define of the header whose expansion
// reaches _IO, _IOR, _IOW, _IOWR or _IOC, evaluated by the row's gcc as a static initializer
// (with the prelude force-included, as uapigen does) and read back from the object file.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const CONSTRUCTORS = new Set(["_IO", "_IOR", "_IOW", "_IOWR", "_IOC"]);

/**
 * The header's own object-like macros and every macro's identifiers, from `gcc -dD -E`: the
 * linemarkers say which file each #define is in, so a guarded one the header skipped does not count.
 */
function macrosOf(gcc, flags, probe, header) {
  const text = execFileSync(gcc, ["-dD", "-E", ...flags, probe], { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "pipe"] });
  const uses = new Map();
  const own = new Set();
  const functionLike = new Set();
  const bodies = new Map();
  let current = "";
  for (const line of text.split("\n")) {
    const marker = /^# \d+ "([^"]+)"/.exec(line);
    if (marker) current = path.resolve(marker[1]);
    const def = /^#define ([A-Za-z_]\w*)(\([^)]*\))?(?: (.*))?$/.exec(line);
    if (def) {
      bodies.set(def[1], (def[3] ?? "").trim());
      uses.set(def[1], new Set((def[3] ?? "").match(/[A-Za-z_]\w*/g) ?? []));
      if (def[2]) functionLike.add(def[1]);
      else functionLike.delete(def[1]);
      if (!def[2] && current === header) own.add(def[1]);
      else own.delete(def[1]);
    }
    const undef = /^#undef ([A-Za-z_]\w*)/.exec(line);
    if (undef) {
      uses.delete(undef[1]);
      own.delete(undef[1]);
      functionLike.delete(undef[1]);
    }
  }
  return { uses, own, functionLike, bodies };
}

/** Whether a macro's expansion reaches a request constructor (through any macro it names). */
function reachesConstructor(name, uses, seen = new Set()) {
  if (seen.has(name)) return false;
  seen.add(name);
  for (const id of uses.get(name) ?? []) if (CONSTRUCTORS.has(id) || (uses.has(id) && reachesConstructor(id, uses, seen))) return true;
  return false;
}

/**
 * Evaluates `names` as `unsigned long long` initializers. A name gcc rejects (an incomplete
 * type's sizeof, an undeclared identifier) is dropped by its error's line and the rest compiled
 * again. Returns the values and the names gcc could not evaluate, with its error.
 */
function evaluate(gcc, flags, include, names, endian, dir) {
  const src = path.join(dir, "requests.c");
  const obj = path.join(dir, "requests.o");
  const rejected = {};
  let pending = [...names];
  for (let round = 0; round < 20 && pending.length; round++) {
    const head = `#include <${include}>\n__attribute__((section(".uapigen_requests"), used)) unsigned long long uapigen_requests[] = {\n`;
    fs.writeFileSync(src, `${head}${pending.map((n) => `(unsigned long long)(${n}),`).join("\n")}\n0 };\n`);
    const r = spawnSync(gcc, ["-c", "-w", "-O0", "-ftrack-macro-expansion=0", ...flags, src, "-o", obj], { encoding: "utf8" });
    if (r.status === 0) break;
    // With -ftrack-macro-expansion=0 an error inside a macro is reported at the line using it.
    const first = head.split("\n").length; // the line of pending[0]
    const bad = new Set();
    for (const m of r.stderr.matchAll(/requests\.c:(\d+):\d+: error: (.*)/g)) {
      const name = pending[Number(m[1]) - first];
      if (name && !bad.has(name)) {
        bad.add(name);
        rejected[name] = m[2];
      }
    }
    // An error gcc places in a header, not on a line of the probe: find its names one by one.
    if (!bad.size) {
      for (const name of pending) {
        fs.writeFileSync(src, `#include <${include}>\nunsigned long long uapigen_request = (unsigned long long)(${name});\n`);
        const one = spawnSync(gcc, ["-fsyntax-only", "-w", ...flags, src], { encoding: "utf8" });
        if (one.status !== 0) {
          bad.add(name);
          rejected[name] = /error: (.*)/.exec(one.stderr)?.[1] ?? "gcc error";
        }
      }
      if (!bad.size) throw new Error(`gcc rejects the request probe: ${r.stderr.slice(0, 500)}`);
    }
    pending = pending.filter((n) => !bad.has(n));
  }
  const values = {};
  if (!pending.length) return { values, rejected };
  const bin = path.join(dir, "requests.bin");
  execFileSync(gcc.replace(/gcc$/, "objcopy"), ["-O", "binary", "--only-section=.uapigen_requests", obj, bin]);
  const bytes = fs.readFileSync(bin);
  pending.forEach((n, i) => {
    values[n] = (endian === "big" ? bytes.readBigUInt64BE(i * 8) : bytes.readBigUInt64LE(i * 8)).toString();
  });
  return { values, rejected };
}

/**
 * The header's requests as gcc evaluates them: name → value (a decimal string), and the request
 * macros gcc itself cannot evaluate, with why.
 */
export function gccRequests({ gcc, flags, include, header, endian, dir }) {
  const probe = path.join(dir, "macros.c");
  fs.writeFileSync(probe, `#include <${include}>\n`);
  const { uses, own, functionLike, bodies } = macrosOf(gcc, flags, probe, path.resolve(header));
  // soundcard.h's `#define _SIO _IO` names a macro to call, not a number.
  const names = [...own].filter((n) => !functionLike.has(bodies.get(n)) && reachesConstructor(n, uses)).sort();
  return evaluate(gcc, flags, include, names, endian, dir);
}
