// Auto top-up (issue 14, autumn-controls.md §1.9): "when AI credits fall to
// X or below, buy pack Y, at most Z times a month" — Autumn's customer
// `auto_topups` entry. Autumn evaluates it (after a track, on a check, and
// when this write enables it), charges the card on file for the org's
// one-off pack and reports billing.auto_topup_succeeded / _failed; the
// webhook turns those into notifications (notifications.ts), a failure
// emailed to owners, so a top-up never fails silently.
//
// Autumn charges the pack the customer most recently bought (a one-off
// prepaid price it holds): an org that never bought the pack gets
// `missing_customer_product` — the form says to buy one first.
import { v } from "convex/values";
import { internal } from "../_generated/api";
import { internalQuery } from "../_generated/server";
import { loadPlans } from "./cache";
import { checkAmount, editControls, invalid, requireMeteredFeature } from "./controlsApi";
import { ownerAction } from "./functions";
import { billingControls, type BillingControls } from "./schema";

export const MAX_TOPUPS_PER_MONTH = 50;

/** One-off packs granting `featureId`: their plan id and the units one pack grants. */
export const packsFor = internalQuery({
  args: { featureId: v.string() },
  returns: v.array(v.object({ planId: v.string(), name: v.string(), units: v.number() })),
  handler: async (ctx, { featureId }) => (await loadPlans(ctx))
    .filter((p) => p.price?.interval === "one_off" || (p.addOn && p.price === null))
    .flatMap((p) => {
      const item = p.items.find((i) => i.featureId === featureId && i.included > 0);
      return item ? [{ planId: p.planId, name: p.name, units: item.included }] : [];
    }),
});

export const setAutoTopup = ownerAction({
  args: {
    featureId: v.string(),
    enabled: v.boolean(),
    /** Top up when the balance is at or below this many units. */
    threshold: v.number(),
    /** The one-off pack to buy (e.g. credit_pack). */
    packPlanId: v.string(),
    /** At most this many top-ups per calendar month. */
    maxPerMonth: v.number(),
  },
  returns: billingControls,
  handler: async (ctx, { featureId, enabled, threshold, packPlanId, maxPerMonth }): Promise<BillingControls> => {
    await requireMeteredFeature(ctx, featureId);
    checkAmount("threshold", threshold, { integer: true });
    checkAmount("maxPerMonth", maxPerMonth, { min: 1, max: MAX_TOPUPS_PER_MONTH, integer: true });
    const packs: Array<{ planId: string; name: string; units: number }> = await ctx.runQuery(internal.billing.topups.packsFor, { featureId });
    const pack = packs.find((p) => p.planId === packPlanId);
    if (!pack) invalid("packPlanId", `${packPlanId} is not a one-off pack of ${featureId}`);
    return editControls(ctx, ctx.viewer.organizationId, (own) => ({
      autoTopups: [
        ...own.autoTopups.filter((t) => t.featureId !== featureId),
        { featureId, enabled, threshold, quantity: pack.units, purchaseLimit: { interval: "month", intervalCount: 1, limit: maxPerMonth } },
      ],
    }));
  },
});
