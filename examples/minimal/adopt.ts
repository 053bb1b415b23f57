// Step 1 of docs/adopting.md for this example: copy the billing module into
// convex/billing/ (its tests and test helpers stay behind). A real app does
// this once and commits the copy; in this repo the copy is made before every
// test run (gitignored) so it never drifts from ../../convex/billing.
import { cpSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
export const MODULE_SOURCE = resolve(HERE, "../../convex/billing");
export const MODULE_COPY = join(HERE, "convex/billing");

export function adoptBillingModule(): void {
  rmSync(MODULE_COPY, { recursive: true, force: true });
  cpSync(MODULE_SOURCE, MODULE_COPY, {
    recursive: true,
    filter: (src) => !/\.(test|helpers)\.ts$/.test(basename(src)),
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  adoptBillingModule();
  console.log(`copied ${MODULE_SOURCE} → ${MODULE_COPY}`);
}
