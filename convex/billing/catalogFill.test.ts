// The plan/feature cache fills itself on a real deployment: an hourly cron,
// a sync scheduled by the first organization created while the cache is
// empty, and ensureBilling's lazy fill (a no-op once filled).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeFunctionReference } from "convex/server";
import { api } from "../_generated/api";
import crons from "../crons";
import { startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

let b: BillingTest;
let owner: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  owner = await b.signUp("fill@example.com", "Fran Fill");
});
afterAll(async () => { await b?.close(); });

/** Catalog syncs so far (each one, failed or not, leaves a billingSyncRuns row of kind "plans"). */
const catalogSyncs = () => b.t.run(async (ctx) => (await ctx.db.query("billingSyncRuns").collect()).filter((r) => r.kind === "plans").length);
const planCount = () => b.t.run(async (ctx) => (await ctx.db.query("billingPlans").collect()).length);
const clearCatalog = () => b.t.run(async (ctx) => {
  for (const p of await ctx.db.query("billingPlans").collect()) await ctx.db.delete(p._id);
  for (const f of await ctx.db.query("billingFeatures").collect()) await ctx.db.delete(f._id);
});

describe("catalog cache fill", () => {
  it("a cron re-syncs the catalog every hour", () => {
    const job = (crons as unknown as { crons: Record<string, { name: string; schedule: unknown }> }).crons["billing catalog sync"];
    expect(job).toMatchObject({ name: "billing/sync:syncPlans", schedule: { type: "hourly", minuteUTC: 5 } });
  });

  it("the first organization created on an empty cache fills it (no admin click needed)", async () => {
    expect(await planCount()).toBe(0);
    const orgId = await b.createProvisionedOrg(owner, "First Co");
    await b.drainScheduled();
    expect(await planCount()).toBeGreaterThan(0);
    const plans = await b.as(owner, orgId).query(api.billing.api.listPlans, {});
    expect(plans.map((p) => p.planId)).toContain("pro");
  });

  it("a filled cache schedules nothing more on org creation", async () => {
    const before = await catalogSyncs();
    await b.createProvisionedOrg(owner, "Second Co");
    await b.drainScheduled();
    expect(await catalogSyncs()).toBe(before);
  });

  it("ensureBilling fills an emptied cache, and costs no catalog call when it is filled", async () => {
    const orgId = await b.createProvisionedOrg(owner, "Third Co");
    await clearCatalog();
    await b.as(owner, orgId).action(api.billing.api.ensureBilling, {});
    expect(await planCount()).toBeGreaterThan(0);
    const before = await catalogSyncs();
    await b.as(owner, orgId).action(api.billing.api.ensureBilling, {});
    expect(await catalogSyncs()).toBe(before);
    expect(await b.t.action(makeFunctionReference<"action">("billing/catalogFill:ensure"), {})).toEqual({ synced: false, ok: true });
  });
});
