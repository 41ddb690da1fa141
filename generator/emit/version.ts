// uapigen's own version, from its package.json: for --version, SARIF and generated file headers.
import fs from "node:fs";

let version: string | undefined;

export function generatorVersion(): string {
  // Compiled to dist/emit/version.js; the package.json is two folders up.
  version ??= (JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return version;
}
