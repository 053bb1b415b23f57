// One list of error codes: convex/billing/errorCodes.ts is the source; the
// module's errors.ts imports it, @billing/react ships a generated copy
// (`pnpm sync:error-codes`) that must equal it, and nothing else declares codes.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { readFileSync as read } from "node:fs";
import * as copy from "../../packages/billing-react/src/errorCodes";
import { ERROR_CODES_COPY, errorCodesCopy } from "../../scripts/sync-error-codes";
import * as source from "./errorCodes";
import * as ui from "../../packages/billing-react/src/errors";
import { BILLING_ERROR_CODES, billingError, billingErrorCode } from "./errors";

const ROOT = join(__dirname, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "_generated" || name === "dist") return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

describe("billing error codes", () => {
  it("@billing/react's copy is the source, regenerated (run `pnpm sync:error-codes` after editing errorCodes.ts)", () => {
    expect(read(ERROR_CODES_COPY, "utf8")).toBe(errorCodesCopy());
    expect(BILLING_ERROR_CODES).toBe(source.BILLING_ERROR_CODES);
    expect(ui.BILLING_ERROR_CODES).toBe(copy.BILLING_ERROR_CODES);
    expect([...copy.BILLING_ERROR_CODES]).toEqual([...source.BILLING_ERROR_CODES]);
    expect(new Set(BILLING_ERROR_CODES).size).toBe(BILLING_ERROR_CODES.length);
  });

  it("no other file declares its own copy of the list", () => {
    const files = [...sources(join(ROOT, "convex")), ...sources(join(ROOT, "packages", "billing-react", "src"))];
    const copies = files
      .filter((file) => /BILLING_ERROR_CODES\s*=\s*\[/.test(readFileSync(file, "utf8")))
      .map((file) => relative(ROOT, file));
    expect(copies.sort()).toEqual(["convex/billing/errorCodes.ts", "packages/billing-react/src/errorCodes.ts"]);
  });

  it("every code round-trips through billingError and the UI's reader, with a message of its own", () => {
    for (const code of BILLING_ERROR_CODES) {
      const err = billingError(code, "server text", { featureId: "x" });
      expect(billingErrorCode(err)).toBe(code);
      expect(ui.billingErrorOf(err).code).toBe(code);
      const info = ui.describeBillingError(err);
      expect(info.code).toBe(code);
      expect(info.message).not.toBe("Something went wrong, try again");
    }
  });
});
