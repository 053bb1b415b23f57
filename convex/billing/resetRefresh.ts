// Live queries re-run when their data changes, not when time passes: a cached
// balance whose reset moment has come stays "used up" in every subscribed
// client until something writes the row. So whenever a customer row is
// written, the org gets ONE scheduled re-sync (billing/sync:syncCustomer) at
// its earliest upcoming reset (balances' nextResetAt, a trial's end), a
// second after the moment; the re-sync writes the row (clients update) and
// schedules the next one. Tracked in `billingResetRefresh` (one row per org)
// so rewriting an unchanged snapshot schedules nothing, and a changed moment
// replaces the job instead of adding one.
//
// The job is a cheap mutation (`due`) that hops at most MAX_AHEAD_MS at a time
// (timers further out are not portable; no Autumn call per hop) and, once the
// moment has come, schedules the Autumn re-sync.
import { makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { internalMutation, type MutationCtx } from "../_generated/server";
import type { CustomerRow } from "./schema";

/** After the moment: Autumn resets lazily, on the first read at or after it. */
export const RESET_REFRESH_DELAY_MS = 1_000;

/** The longest single wait of the refresh job. */
export const MAX_AHEAD_MS = 20 * 86_400_000;

const syncCustomerRef = makeFunctionReference<"action", { organizationId: string }>("billing/sync:syncCustomer");
const dueRef = makeFunctionReference<"mutation", { organizationId: string }>("billing/resetRefresh:due");

/** The earliest time-dependent moment in the row after `now`, or null. */
export function nextTimeDependentChange(row: CustomerRow, now: number): number | null {
  const moments = [
    ...row.balances.map((b) => b.nextResetAt),
    ...row.subscriptions.map((s) => s.trialEndsAt),
  ].filter((t): t is number => typeof t === "number" && t > now);
  return moments.length ? Math.min(...moments) : null;
}

export async function scheduleResetRefresh(ctx: MutationCtx, row: CustomerRow, now: number = Date.now()): Promise<void> {
  const next = nextTimeDependentChange(row, now);
  const at = next === null ? null : next + RESET_REFRESH_DELAY_MS;
  const existing = await ctx.db.query("billingResetRefresh").withIndex("by_organizationId", (q) => q.eq("organizationId", row.organizationId)).unique();
  if (existing && existing.at === at) return;
  if (existing) {
    await ctx.scheduler.cancel(existing.jobId);
    await ctx.db.delete(existing._id);
  }
  if (at === null) return;
  const jobId = await ctx.scheduler.runAt(Math.min(at, now + MAX_AHEAD_MS), dueRef, { organizationId: row.organizationId });
  await ctx.db.insert("billingResetRefresh", { organizationId: row.organizationId, at, jobId });
}

/** The refresh job: wait further, or (the moment has come) re-sync the org from Autumn. */
export const due = internalMutation({
  args: { organizationId: v.string() },
  returns: v.null(),
  handler: async (ctx, { organizationId }) => {
    const refresh = await ctx.db.query("billingResetRefresh").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).unique();
    if (!refresh) return null;
    const now = Date.now();
    if (now < refresh.at) {
      await ctx.db.patch(refresh._id, { jobId: await ctx.scheduler.runAt(Math.min(refresh.at, now + MAX_AHEAD_MS), dueRef, { organizationId }) });
      return null;
    }
    // The sync writes the row, which schedules the next moment (a failed sync leaves it to the next write).
    await ctx.db.delete(refresh._id);
    await ctx.scheduler.runAfter(0, syncCustomerRef, { organizationId });
    return null;
  },
});
