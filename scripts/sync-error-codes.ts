// `pnpm sync:error-codes`: writes @billing/react's copy of the billing error
// codes from the module's source (convex/billing/errorCodes.ts), so the
// React package stays self-contained for `npm pack`. errors.test.ts fails
// when the copy is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
export const ERROR_CODES_SOURCE = join(ROOT, "convex/billing/errorCodes.ts");
export const ERROR_CODES_COPY = join(ROOT, "packages/billing-react/src/errorCodes.ts");
export const COPY_HEADER = "// GENERATED from convex/billing/errorCodes.ts by `pnpm sync:error-codes`: edit the source, not this copy.\n";

export function errorCodesCopy(): string {
  return COPY_HEADER + readFileSync(ERROR_CODES_SOURCE, "utf8");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(ERROR_CODES_COPY, errorCodesCopy());
  console.log(`wrote ${ERROR_CODES_COPY}`);
}
