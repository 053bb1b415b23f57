// One list of error codes for the module and @billing/react: both import
// packages/billing-react/src/errorCodes.ts, and nothing else declares codes.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import * as shared from "../../packages/billing-react/src/errorCodes";
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
  it("the module and @billing/react export the very same list", () => {
    expect(BILLING_ERROR_CODES).toBe(shared.BILLING_ERROR_CODES);
    expect(ui.BILLING_ERROR_CODES).toBe(shared.BILLING_ERROR_CODES);
    expect(new Set(BILLING_ERROR_CODES).size).toBe(BILLING_ERROR_CODES.length);
  });

  it("no other file declares its own copy of the list", () => {
    const files = [...sources(join(ROOT, "convex")), ...sources(join(ROOT, "packages", "billing-react", "src"))];
    const copies = files
      .filter((file) => /BILLING_ERROR_CODES\s*=\s*\[/.test(readFileSync(file, "utf8")))
      .map((file) => relative(ROOT, file));
    expect(copies).toEqual(["packages/billing-react/src/errorCodes.ts"]);
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
