// Retention for every billing table that grows with time: the usage ledger
// (billingUsageDays), plan-change history, catalog sync runs and reconcile
// runs. A daily cron (crons.ts) runs `prune`: per table, the oldest rows past
// RETENTION_MS (limits.ts), read from the built-in by_creation_time index
// (never a scan), PRUNE_BATCH at a time; while a table still had a full
// batch, it schedules itself again. (The webhook ledger and reservations have
// their own prunes: webhook.ts, metering.ts.)
import { makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { internalMutation } from "../_generated/server";
import { PRUNE_BATCH, RETENTION_MS } from "./limits";

type Table = keyof typeof RETENTION_MS;
const TABLES = Object.keys(RETENTION_MS) as Table[];
const pruneRef = makeFunctionReference<"mutation", { now?: number }, Record<string, number>>("billing/retention:prune");

export const prune = internalMutation({
  args: { now: v.optional(v.number()) },
  returns: v.record(v.string(), v.number()),
  handler: async (ctx, { now }) => {
    const at = now ?? Date.now();
    const deleted: Record<string, number> = {};
    let more = false;
    for (const table of TABLES) {
      const cutoff = at - RETENTION_MS[table];
      const old = await ctx.db.query(table).withIndex("by_creation_time", (q) => q.lt("_creationTime", cutoff)).take(PRUNE_BATCH);
      for (const row of old) await ctx.db.delete(row._id);
      deleted[table] = old.length;
      if (old.length === PRUNE_BATCH) more = true;
    }
    if (more) await ctx.scheduler.runAfter(0, pruneRef, now === undefined ? {} : { now });
    return deleted;
  },
});
