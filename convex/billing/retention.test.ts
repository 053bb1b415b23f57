// Every table that grows with time is pruned: rows past their retention go,
// newer rows stay, in bounded batches that continue themselves.
import { convexTest } from "convex-test";
import { makeFunctionReference } from "convex/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import schema from "../schema";
import { modules } from "../test.setup";
import crons from "../crons";
import { PRUNE_BATCH, RETENTION_MS } from "./limits";

const DAY = 86_400_000;
const prune = makeFunctionReference<"mutation", { now?: number }, Record<string, number>>("billing/retention:prune");

afterEach(() => { vi.useRealTimers(); });

describe("retention", () => {
  it("a daily cron prunes", () => {
    expect((crons as unknown as { crons: Record<string, unknown> }).crons["billing retention prune"])
      .toMatchObject({ name: "billing/retention:prune", schedule: { type: "daily", hourUTC: 3, minuteUTC: 45 } });
  });

  it("the usage ledger outlives the longest usage chart (366 days)", () => {
    expect(RETENTION_MS.billingUsageDays).toBeGreaterThan(366 * DAY);
  });

  it("deletes rows past retention and keeps newer ones, per table", async () => {
    vi.useFakeTimers();
    const t = convexTest(schema, modules);
    const start = Date.UTC(2024, 0, 1);
    vi.setSystemTime(start);
    await t.run(async (ctx) => {
      await ctx.db.insert("billingUsageDays", { organizationId: "org_a", featureId: "standard_messages", day: start, units: 3 } as never);
      await ctx.db.insert("billingSyncRuns", { kind: "plans", startedAt: start, finishedAt: start, ok: true, error: null, features: 1, plans: 1, pruned: 0 } as never);
    });
    vi.setSystemTime(start + 100 * DAY);
    await t.run(async (ctx) => {
      await ctx.db.insert("billingSyncRuns", { kind: "plans", startedAt: start + 100 * DAY, finishedAt: start + 100 * DAY, ok: true, error: null, features: 1, plans: 1, pruned: 0 } as never);
    });
    const now = start + 110 * DAY;
    expect(await t.mutation(prune, { now })).toMatchObject({ billingSyncRuns: 1, billingUsageDays: 0 });
    const left = await t.run(async (ctx) => ({
      runs: (await ctx.db.query("billingSyncRuns").collect()).map((r) => r.startedAt),
      days: (await ctx.db.query("billingUsageDays").collect()).length,
    }));
    expect(left).toEqual({ runs: [start + 100 * DAY], days: 1 });
    expect(await t.mutation(prune, { now: start + 401 * DAY })).toMatchObject({ billingUsageDays: 1 });
  });

  it("works in bounded batches and schedules itself while a batch was full", async () => {
    vi.useFakeTimers();
    const t = convexTest(schema, modules);
    vi.setSystemTime(Date.UTC(2024, 0, 1));
    await t.run(async (ctx) => {
      for (let i = 0; i < PRUNE_BATCH + 20; i++) {
        await ctx.db.insert("billingSyncRuns", { kind: "plans", startedAt: i, finishedAt: i, ok: true, error: null, features: 0, plans: 0, pruned: 0 } as never);
      }
    });
    const now = Date.UTC(2024, 6, 1);
    expect((await t.mutation(prune, { now })).billingSyncRuns).toBe(PRUNE_BATCH);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await t.run(async (ctx) => (await ctx.db.query("billingSyncRuns").collect()).length)).toBe(0);
  });
});
