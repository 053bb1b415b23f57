// The committed codegen output is what the real Convex CLI writes
// (`npx convex dev` / `npx convex codegen`), so a developer's tree stays clean
// after `convex dev`: convex/_generated and convex/betterAuth/_generated
// (TypeScript, with component.ts) regenerated offline by scripts/codegen.ts.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./deploy-check";
import { GENERATED_DIRS, generateInCopy } from "./codegen";

let dir: string;
beforeAll(async () => { dir = await generateInCopy(); }, 120_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

const files = (base: string, rel: string) => Object.fromEntries(readdirSync(join(base, rel)).sort().map((f) => [f, readFileSync(join(base, rel, f), "utf8")]));

describe("committed codegen output = the real Convex CLI's", () => {
  it.each(GENERATED_DIRS)("%s is unchanged by real codegen (run `pnpm codegen` after adding or changing functions)", (rel) => {
    expect(files(ROOT, rel)).toEqual(files(dir, rel));
  });

  it("the better-auth component's bindings are TypeScript with a ComponentApi, as `convex dev` writes them", () => {
    expect(Object.keys(files(ROOT, "convex/betterAuth/_generated"))).toEqual(["api.ts", "component.ts", "dataModel.ts", "server.ts"]);
    expect(readFileSync(join(ROOT, "convex/_generated/api.d.ts"), "utf8")).toContain('import("../betterAuth/_generated/component.js").ComponentApi<"betterAuth">');
  });
});
