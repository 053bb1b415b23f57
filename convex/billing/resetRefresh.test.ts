// Time-dependent cache fields: every written customer row gets one scheduled
// re-sync at its next reset moment (a live query re-runs only when data
// changes), replaced, never duplicated, when the moment moves.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeFunctionReference } from "convex/server";
import { MAX_AHEAD_MS, nextTimeDependentChange, RESET_REFRESH_DELAY_MS } from "./resetRefresh";
import type { CustomerRow } from "./schema";
import { startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

let b: BillingTest;
let owner: TestUser;
let orgId: string;

beforeAll(async () => {
  b = await startBillingTest();
  await b.syncCatalog();
  owner = await b.signUp("reset@example.com", "Rhea Reset");
  orgId = await b.createProvisionedOrg(owner, "Reset Co");
});
afterAll(async () => { await b?.close(); });

const state = () => b.t.run(async (ctx) => {
  const row = await ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", orgId)).unique();
  const refresh = await ctx.db.query("billingResetRefresh").withIndex("by_organizationId", (q) => q.eq("organizationId", orgId)).unique();
  const jobs = (await ctx.db.system.query("_scheduled_functions").collect())
    .filter((j) => j.name === "billing/resetRefresh:due" && j.state.kind === "pending" && (j.args[0] as { organizationId?: string }).organizationId === orgId);
  return { row, refresh, jobs };
});

describe("reset-moment refresh", () => {
  it("a provisioned org has one re-sync scheduled a second after its earliest reset", async () => {
    const { row, refresh, jobs } = await state();
    const earliest = Math.min(...row!.balances.map((x) => x.nextResetAt).filter((t): t is number => t !== null && t > Date.now()));
    expect(refresh?.at).toBe(earliest + RESET_REFRESH_DELAY_MS);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?._id).toBe(refresh?.jobId);
    // The job waits in hops of at most MAX_AHEAD_MS (the free plan resets monthly).
    expect(jobs[0]!.scheduledTime).toBeLessThanOrEqual(earliest + RESET_REFRESH_DELAY_MS);
    expect(Math.abs(jobs[0]!.scheduledTime - Math.min(earliest + RESET_REFRESH_DELAY_MS, refresh!._creationTime + MAX_AHEAD_MS))).toBeLessThan(1_000);
  });

  it("re-syncing an unchanged snapshot schedules nothing more", async () => {
    const before = await state();
    await b.t.action(makeFunctionReference<"action">("billing/sync:syncCustomer"), { organizationId: orgId });
    const after = await state();
    expect(after.jobs.map((j) => j._id)).toEqual(before.jobs.map((j) => j._id));
  });

  it("before the moment the job only waits again; at the moment it re-syncs from Autumn, which writes the row (live queries re-run)", async () => {
    const due = makeFunctionReference<"mutation">("billing/resetRefresh:due");
    const before = await state();
    await b.t.mutation(due, { organizationId: orgId });
    const waited = await state();
    expect(waited.refresh?.at).toBe(before.refresh?.at);
    expect(waited.jobs.map((j) => j._id)).toContain(waited.refresh?.jobId); // waits again (the test's extra call left the first job too)
    await b.t.run(async (ctx) => { for (const j of waited.jobs) if (j._id !== waited.refresh?.jobId) await ctx.scheduler.cancel(j._id); });
    // Pretend the moment has come.
    await b.t.run(async (ctx) => { await ctx.db.patch(waited.refresh!._id, { at: Date.now() - 1 }); });
    await b.t.mutation(due, { organizationId: orgId });
    await b.drainScheduled();
    const after = await state();
    expect(after.row!.syncedAt).toBeGreaterThan(before.row!.syncedAt);
    expect(after.refresh?.at).toBe(before.refresh?.at); // the re-sync scheduled the (same) next moment again
    expect(after.jobs.map((j) => j._id)).toContain(after.refresh?.jobId);
  });

  it("the earliest future moment counts: balance resets and trial ends, never past ones", () => {
    const now = 1_000;
    const row = {
      balances: [{ nextResetAt: 5_000 }, { nextResetAt: null }, { nextResetAt: 500 }],
      subscriptions: [{ trialEndsAt: 3_000 }, { trialEndsAt: null }],
    } as unknown as CustomerRow;
    expect(nextTimeDependentChange(row, now)).toBe(3_000);
    expect(nextTimeDependentChange({ balances: [], subscriptions: [] } as unknown as CustomerRow, now)).toBeNull();
  });
});
