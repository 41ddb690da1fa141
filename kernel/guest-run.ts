// Runs in the test VM as the init's command: `guest-run.js <suite> [--selftest]` runs uapigen's
// tests in dist/kernel/<suite>/ (tests: against the iommufd mock; devices: real PCI devices),
// then, with --selftest, the kernel's own iommufd selftest as the reference, each ending in a
// summary line the host picks up. The exit status is uapigen's tests' (the reference run is
// reported, not judged).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";

const suite = process.argv[2] ?? "tests";
// One file at a time: the device tests and the README example share the devices.
const ours = spawnSync(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=tap", `/uapigen/dist/kernel/${suite}/`], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
process.stdout.write(ours.stdout);
const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(ours.stdout)?.[1] ?? -1);
console.log(`UAPIGEN-SUMMARY uapigen kernel/${suite}: ${count("tests")} tests, ${count("pass")} passed, ${count("fail")} failed (Linux ${os.release()})`);

const selftest = "/bin/iommufd-selftest";
if (process.argv.includes("--selftest") && fs.existsSync(selftest)) {
  const st = spawnSync(selftest, [], { encoding: "utf8", timeout: 400_000, maxBuffer: 1 << 26 });
  // The failing cases and the selftest's own reason for each.
  for (const line of `${st.stdout}\n${st.stderr}`.split("\n")) if (/^not ok |^# .*(Expected|:\d+:.*fail)/i.test(line)) console.log(`selftest: ${line}`);
  const totals = /^# Totals: .*$/m.exec(st.stdout)?.[0];
  console.log(`UAPIGEN-SUMMARY selftest: ${totals ?? `no summary (status ${st.status}, signal ${st.signal})`}`);
}
process.exit(ours.status ?? 1);
