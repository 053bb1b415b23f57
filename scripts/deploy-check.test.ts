// The deploy check in the test command (issue 11): convex/ bundled by the
// real Convex CLI's deploy bundler, offline, must be deployable to the V8
// runtime — every module loads in a web-API-only isolate, none needs Node —
// and query/mutation-only modules must not load autumn-js or zod.
import { beforeAll, describe, expect, it } from "vitest";
import { checkModules, isQueryOnly, problem, runDeployCheck, type DeployCheckReport } from "./deploy-check";

let report: DeployCheckReport;

beforeAll(async () => {
  report = await runDeployCheck();
}, 120_000);

const name = (m: { component: string; path: string }) => `${m.component}:${m.path}`;

describe("deploy check: convex/ bundled by the real Convex CLI (offline)", () => {
  it("bundles the app and the better-auth component", () => {
    const app = report.modules.filter((m) => m.component === "app").map((m) => m.path);
    expect(app).toEqual(expect.arrayContaining(["http.js", "crons.js", "billing/api.js", "billing/sync.js", "auth.js", "members/members.js"]));
    expect(report.modules.some((m) => m.component !== "app" && m.path === "adapter.js")).toBe(true);
    expect(report.nodeDependencies).toEqual([]);
  });

  it('no module needs Node ("use node" nowhere): every one is for the V8 isolate', () => {
    expect(report.modules.filter((m) => m.environment !== "isolate").map(name)).toEqual([]);
  });

  it("every module loads in a web-API-only isolate (@edge-runtime/vm + process.env)", () => {
    expect(report.modules.filter((m) => !m.loaded).map((m) => `${name(m)}: ${m.loadError}`)).toEqual([]);
    // Loading registered the functions the module exports.
    const byPath = new Map(report.modules.map((m) => [name(m), m]));
    expect(byPath.get("app:billing/api.js")?.kinds).toEqual(["action", "query"]);
    expect(byPath.get("app:http.js")?.kinds).toEqual(["httpAction"]);
  });

  it("query/mutation-only modules reach neither autumn-js nor zod (better-auth's own modules excepted: zod is its dependency)", () => {
    expect(report.modules.filter((m) => problem(m) !== null).map((m) => `${name(m)}: ${problem(m)}`)).toEqual([]);
    const queryOnly = report.modules.filter(isQueryOnly).map(name);
    expect(queryOnly).toEqual(expect.arrayContaining(["app:billing/catalog.js", "app:branding/branding.js"]));
    // Modules whose Autumn-calling side lives elsewhere (ownershipGuard, meteredUsage, seats, orgCreated keep
    // them light) stay query/mutation-only, so the line above judges them: the auth triggers and the
    // better-auth component's adapter too.
    expect(report.modules.filter(isQueryOnly).map((m) => m.path)).toEqual(expect.arrayContaining([
      "billing/metering.js", "billing/ownership.js", "billing/reservations/store.js", "auth.js", "adapter.js",
    ]));
    // The public billing queries (listPlans, getOrgBilling, checkFeature) stay small even though api.ts also has actions.
    expect(report.modules.find((m) => name(m) === "app:billing/api.js")?.reaches).toMatchObject({ autumnJs: false, zod: false });
  });

  it("the checker itself catches a module that needs Node or is not web-API safe", async () => {
    const bad = await checkModules("fixture", [
      { path: "needsFs.js", environment: "isolate", source: 'import { readFileSync } from "node:fs";\nexport const x = readFileSync;\n' },
      { path: "usesBuffer.js", environment: "isolate", source: 'export const b = Buffer.from("x");\n' },
      { path: "fine.js", environment: "isolate", source: "export const ok = new URL('https://example.com').host + crypto.randomUUID().length;\n" },
      { path: "nodeOnly.js", environment: "node", source: "export const y = 1;\n" },
    ]);
    const byPath = new Map(bad.map((m) => [m.path, m]));
    expect(problem(byPath.get("needsFs.js")!)).toMatch(/does not load/);
    expect(problem(byPath.get("usesBuffer.js")!)).toMatch(/does not load/);
    expect(problem(byPath.get("fine.js")!)).toBeNull();
    expect(problem(byPath.get("nodeOnly.js")!)).toMatch(/use node/);
  });
});
