// The purchase-intent table (purchaseIntents.ts), spread into billingTables
// (schema.ts). One row per (org, intent): the UI makes one intent per dialog
// open, so a double click, a retry or a lost answer all land on the same row
// and the same Autumn Idempotency-Key.
import { defineTable } from "convex/server";
import { v, type Infer } from "convex/values";

export const intentAction = v.union(v.literal("checkout"), v.literal("add_on"), v.literal("cancel"));
export type IntentAction = Infer<typeof intentAction>;

/** What the first successful run answered; every repeat gets it back. */
export const intentOutcome = v.union(
  v.object({ status: v.literal("redirect"), paymentUrl: v.string() }),
  v.object({ status: v.union(v.literal("activated"), v.literal("scheduled"), v.literal("uncanceled"), v.literal("canceled")) }),
);
export type IntentOutcome = Infer<typeof intentOutcome>;

export const purchaseIntentFields = {
  organizationId: v.string(),
  /** The client's intent id (one per dialog open), or a server-made one for callers that send none. */
  intentId: v.string(),
  action: intentAction,
  planId: v.string(),
  /** Autumn's Idempotency-Key: org + action + intent; the same on every run of the intent. */
  key: v.string(),
  /**
   * pending: a run is calling Autumn (until `activeUntil`) or died / failed uncertainly (a repeat takes over
   * with the same key); done: `outcome` is final; failed: Autumn refused (a repeat runs again, same key).
   */
  state: v.union(v.literal("pending"), v.literal("done"), v.literal("failed")),
  outcome: v.optional(intentOutcome),
  /** A payment page Autumn issued for this intent (kept even before the run finishes). */
  paymentUrl: v.optional(v.string()),
  /** Entries of the plan the org had before the first run (stacking add-ons: applied iff more now). */
  baseline: v.number(),
  /** A run owns the intent until then; a repeat waits for it, then takes over. */
  activeUntil: v.number(),
  runs: v.number(),
  lastError: v.optional(v.object({ code: v.string(), message: v.string() })),
  createdAt: v.number(),
  updatedAt: v.number(),
};

export const purchaseIntentTables = {
  billingPurchaseIntents: defineTable(purchaseIntentFields)
    .index("by_organizationId_intentId", ["organizationId", "intentId"])
    .index("by_createdAt", ["createdAt"]),
};
