// The usage ledger (billingUsageDays): confirmed units per org, feature and
// UTC day, read by the usage chart (metering.getUsageHistory). Settlements
// add to one of LEDGER_SHARDS rows per day, picked at random, so concurrent
// settlements for one org rarely write the same row; readers sum the shards.
import type { MutationCtx, QueryCtx } from "../../_generated/server";

export const DAY_MS = 86_400_000;
export const LEDGER_SHARDS = 8;

/** 00:00 UTC of the day `at` falls in (epoch ms): the ledger's bucket. */
export function utcDay(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}

export async function addToLedger(ctx: MutationCtx, organizationId: string, featureId: string, units: number, at: number): Promise<void> {
  if (units <= 0) return;
  const day = utcDay(at);
  const shard = Math.floor(Math.random() * LEDGER_SHARDS);
  const rows = await ctx.db.query("billingUsageDays")
    .withIndex("by_organizationId_featureId_day", (q) => q.eq("organizationId", organizationId).eq("featureId", featureId).eq("day", day))
    .take(LEDGER_SHARDS + 1);
  const row = rows.find((r) => (r.shard ?? 0) === shard);
  if (row) await ctx.db.patch(row._id, { units: row.units + units });
  else await ctx.db.insert("billingUsageDays", { organizationId, featureId, day, units, shard });
}

/** Units per day in [from, to] (shards summed). */
export async function readLedger(ctx: QueryCtx, organizationId: string, featureId: string, from: number, to: number, days: number): Promise<Map<number, number>> {
  const rows = await ctx.db.query("billingUsageDays")
    .withIndex("by_organizationId_featureId_day", (q) => q.eq("organizationId", organizationId).eq("featureId", featureId).gte("day", from).lte("day", to))
    .take(days * (LEDGER_SHARDS + 1));
  const byDay = new Map<number, number>();
  for (const r of rows) byDay.set(r.day, (byDay.get(r.day) ?? 0) + r.units);
  return byDay;
}
