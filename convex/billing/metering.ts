// Metering's queries: the usage chart (`getUsageHistory`, from the usage
// ledger in reservations/ledger.ts — reactive, zero Autumn calls) and the
// cached balance the metered flow reads. The metered flow itself
// (`withMeteredUsage`, for other modules' actions) is meteredUsage.ts: it
// calls Autumn, and this module, loaded on every cold start of these
// queries, never loads autumn-js.
import { v } from "convex/values";
import { internalQuery } from "../_generated/server";
import { loadCustomerDoc, loadFeatures } from "./cache";
import { memberQuery } from "./functions";
import { balance as balanceValidator } from "./schema";
import { DAY_MS, readLedger, utcDay } from "./reservations/ledger";


const MAX_HISTORY_DAYS = 366;

// ── cache helpers for other modules ─────────────────────────────────────────

export const cachedBalance = internalQuery({
  args: { organizationId: v.string(), featureId: v.string() },
  returns: v.union(balanceValidator, v.null()),
  handler: async (ctx, { organizationId, featureId }) =>
    (await loadCustomerDoc(ctx, organizationId))?.balances.find((b) => b.featureId === featureId) ?? null,
});

// ── usage over time (the chart) ────────────────────────────────────────────

export const usageHistory = v.object({
  /** First and last day shown (00:00 UTC, epoch ms), inclusive. */
  from: v.number(),
  to: v.number(),
  series: v.array(v.object({
    featureId: v.string(),
    name: v.string(),
    /** One point per UTC day from `from` to `to`, zeros included. */
    points: v.array(v.object({ day: v.number(), units: v.number() })),
  })),
});

/** Confirmed usage per UTC day for the caller's org, from the local ledger (cache only, no Autumn call). */
export const getUsageHistory = memberQuery({
  args: { featureId: v.optional(v.string()), days: v.optional(v.number()) },
  returns: usageHistory,
  handler: async (ctx, { featureId, days }) => {
    const organizationId = ctx.viewer.organizationId;
    const span = Math.min(MAX_HISTORY_DAYS, Math.max(1, Math.floor(days !== undefined && Number.isFinite(days) ? days : 30)));
    const to = utcDay(Date.now());
    const from = to - (span - 1) * DAY_MS;
    const features = await loadFeatures(ctx);
    const ids = featureId !== undefined
      ? [featureId]
      : [...features.values()].filter((f) => f.type === "metered").map((f) => f.featureId).sort();
    const series = [];
    for (const id of ids) {
      const byDay = await readLedger(ctx, organizationId, id, from, to, span);
      if (byDay.size === 0 && featureId === undefined) continue;
      const points = Array.from({ length: span }, (_, i) => {
        const day = from + i * DAY_MS;
        return { day, units: byDay.get(day) ?? 0 };
      });
      series.push({ featureId: id, name: features.get(id)?.name ?? id, points });
    }
    return { from, to, series };
  },
});
