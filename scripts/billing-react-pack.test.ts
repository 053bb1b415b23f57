// @billing/react as a consumer gets it: built (vite library mode + tsc .d.ts
// + styles.css), packed with `npm pack`, unpacked into a node_modules, and
// every `exports` entry resolved there to a file the tarball holds, without
// the workspace-only "source" condition. The error codes import and match.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BILLING_ERROR_CODES } from "../packages/billing-react/src/errorCodes";
import { ROOT } from "./deploy-check";

const PKG = join(ROOT, "packages", "billing-react");
let dir = "";
let installed = "";
let packedFiles: string[] = [];

type ExportTarget = string | Record<string, string>;

beforeAll(() => {
  execFileSync("pnpm", ["run", "--silent", "build"], { cwd: PKG, stdio: "pipe", timeout: 120_000 });
  dir = mkdtempSync(join(tmpdir(), "billing-react-pack-"));
  const out = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: PKG, encoding: "utf8", timeout: 60_000 });
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packedFiles = info!.files.map((f) => f.path);
  installed = join(dir, "node_modules", "@billing", "react");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", join(dir, info!.filename), "-C", installed, "--strip-components=1"]);
}, 180_000);

afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

describe("@billing/react packed", () => {
  it("ships JS, .d.ts and CSS, and no tests", () => {
    for (const f of ["dist/index.js", "dist/index.d.ts", "dist/testing.js", "dist/testing/index.d.ts", "dist/error-codes.js", "dist/errorCodes.d.ts", "dist/styles.css", "package.json"]) {
      expect(packedFiles).toContain(f);
    }
    expect(packedFiles.filter((f) => /\.test\.tsx?$/.test(f))).toEqual([]);
  });

  it("every export resolves to a packed file under the consumer conditions (import, types, style/default)", () => {
    const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { exports: Record<string, ExportTarget>; main: string; types: string };
    const targets: string[] = [pkg.main, pkg.types];
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") { targets.push(target); continue; }
      const consumer = Object.entries(target).filter(([condition]) => condition !== "source");
      expect(consumer.length, subpath).toBeGreaterThan(0);
      targets.push(...consumer.map(([, file]) => file));
    }
    for (const file of targets) expect(existsSync(join(installed, file)), file).toBe(true);
    // The built JS imports only its peers/dependencies and its own chunks, never sources.
    const imports = [...readFileSync(join(installed, "dist/index.js"), "utf8").matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!);
    expect(imports.filter((s) => !/^(react|react-dom|convex|recharts|react-is)(\/|$)/.test(s) && !/^\.\/[\w-]+\.js$/.test(s))).toEqual([]);
    expect(imports).toContain("react/jsx-runtime");
    expect(imports).not.toContain("react/jsx-dev-runtime");
  });

  it("Node imports @billing/react/error-codes from the install: the same codes as the source", () => {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e",
      'const m = await import("@billing/react/error-codes"); console.log(JSON.stringify(m.BILLING_ERROR_CODES));'], { cwd: dir, encoding: "utf8" });
    expect(JSON.parse(out)).toEqual([...BILLING_ERROR_CODES]);
  });
});
