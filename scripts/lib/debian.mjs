// Downloads Debian packages through a private apt configuration: the system's sources and
// state are never touched.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const SUITES = ["trixie", "trixie-backports"];
/** Every suite with a linux-libc-dev the history test compares (bullseye 5.10 to 7.3). */
export const HISTORY_SUITES = ["bullseye", "bookworm", ...SUITES];
const ARCHIVE = "http://deb.debian.org/debian";

/** Downloads `name=version` from `suites` into `work` and returns the .deb's path. */
export function downloadDeb(spec, work, suites = SUITES) {
  const lists = path.join(work, "lists");
  fs.mkdirSync(path.join(lists, "partial"), { recursive: true });
  fs.mkdirSync(path.join(work, "archives", "partial"), { recursive: true });
  const sources = path.join(work, "sources.list");
  fs.writeFileSync(sources, suites.map((s) => `deb ${ARCHIVE} ${s} main\n`).join(""));
  const opts = [
    "-o", `Dir::Etc::SourceList=${sources}`,
    "-o", "Dir::Etc::SourceParts=/dev/null",
    "-o", `Dir::State::Lists=${lists}`,
    "-o", `Dir::Cache::Archives=${path.join(work, "archives")}`,
    "-o", "APT::Sandbox::User=root",
    "-qq",
  ];
  execFileSync("apt-get", [...opts, "update"], { stdio: ["ignore", "ignore", "inherit"] });
  execFileSync("apt-get", [...opts, "download", spec], { cwd: work, stdio: ["ignore", "ignore", "inherit"] });
  const name = spec.split("=")[0];
  const deb = fs.readdirSync(work).find((f) => f.startsWith(`${name}_`) && f.endsWith(".deb"));
  if (!deb) throw new Error(`apt-get download did not produce ${spec}`);
  return path.join(work, deb);
}
