// Sums the results of every suite into the one line CI reads:
// `N passed, M failed`. A suite whose report is missing (it crashed before
// writing one) counts as one failure, so a broken runner can't look green.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
let passed = 0;
let failed = 0;
const parts = [];

const typecheck = join(dir, "typecheck");
if (existsSync(typecheck) && readFileSync(typecheck, "utf8").trim() === "ok") { passed += 1; parts.push("typecheck ok"); }
else { failed += 1; parts.push("typecheck FAILED"); }

const vitest = join(dir, "vitest.json");
if (existsSync(vitest)) {
  const r = JSON.parse(readFileSync(vitest, "utf8"));
  passed += r.numPassedTests;
  // A file that failed to load has no failing assertion but must still count.
  const brokenFiles = (r.testResults ?? []).filter((t) => t.status === "failed" && !(t.assertionResults ?? []).some((a) => a.status === "failed")).length;
  failed += r.numFailedTests + brokenFiles;
  parts.push(`vitest ${r.numPassedTests}/${r.numTotalTests}`);
} else { failed += 1; parts.push("vitest: no report"); }

const pw = join(dir, "playwright.json");
if (existsSync(pw)) {
  const r = JSON.parse(readFileSync(pw, "utf8"));
  const s = r.stats ?? {};
  passed += (s.expected ?? 0) + (s.flaky ?? 0);
  failed += s.unexpected ?? 0;
  if ((r.errors ?? []).length > 0 && (s.expected ?? 0) + (s.unexpected ?? 0) === 0) failed += 1;
  parts.push(`playwright ${(s.expected ?? 0) + (s.flaky ?? 0)}/${(s.expected ?? 0) + (s.unexpected ?? 0) + (s.flaky ?? 0)}`);
} else { failed += 1; parts.push("playwright: no report"); }

console.log(`(${parts.join(", ")})`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
