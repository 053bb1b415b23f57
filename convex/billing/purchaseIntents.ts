// Purchase intents (design principle 9): checkout, add-on purchases and cancels
// are idempotent per intent. The UI makes one intent per dialog open and sends
// it with the call; the row is written BEFORE Autumn is called, carries the
// Idempotency-Key (org + action + intent), and keeps the first outcome, so a
// double click, a retry after an error or a lost answer returns that outcome
// instead of charging twice. The action side (the Autumn calls and recovery by
// reading the customer) is purchaseIntentRun.ts; this file is transactions only.
//
//   begin ──▶ pending (a run owns it until activeUntil) ──▶ done {outcome}
//                 │  Autumn refused / uncertain error        ▲
//                 └──▶ failed ──── repeat: run again, same key ┘
//   repeat while pending and owned → wait for it (then take over, same key)
import { v } from "convex/values";
import { internalMutation, internalQuery, type QueryCtx } from "../_generated/server";
import { loadCustomer } from "./cache";
import { billingError } from "./errors";
import { intentAction, intentOutcome, type IntentAction } from "./purchaseIntentsSchema";
import type { CustomerRow } from "./schema";

/** How long one run owns an intent before a repeat may take it over. */
export const INTENT_RUN_MS = 30_000;
/** Intents are kept this long (a repeat after that is a new purchase). */
export const INTENT_RETENTION_MS = 30 * 86_400_000;

const INTENT_ID = /^[A-Za-z0-9_-]{8,100}$/;

/** The client's intent id, validated (INVALID_ARGUMENT), or a fresh server-side one when none was sent. */
export function intentIdOrNew(intentId: string | undefined): string {
  if (intentId === undefined) return `srv_${crypto.randomUUID()}`;
  if (!INTENT_ID.test(intentId)) throw billingError("INVALID_ARGUMENT", "intentId must be 8–100 letters, digits, '-' or '_'", { reason: "invalid_intent" });
  return intentId;
}

/** Autumn's Idempotency-Key for an intent: org + action + intent. */
export function intentKey(organizationId: string, action: IntentAction, intentId: string): string {
  return `purchase:${organizationId}:${action}:${intentId}`;
}

/** How many of `planId` the org holds: active subscriptions plus one-off purchases (stacking add-ons count each). */
export function entriesOf(row: CustomerRow | null, planId: string): number {
  if (!row) return 0;
  return row.subscriptions.filter((s) => s.planId === planId).length
    + row.purchases.filter((p) => p.planId === planId).reduce((n, p) => n + Math.max(1, p.quantity), 0);
}

async function load(ctx: { db: QueryCtx["db"] }, organizationId: string, intentId: string) {
  return ctx.db.query("billingPurchaseIntents")
    .withIndex("by_organizationId_intentId", (q) => q.eq("organizationId", organizationId).eq("intentId", intentId))
    .unique();
}

const beginResult = v.union(
  v.object({ kind: v.literal("done"), outcome: intentOutcome }),
  v.object({ kind: v.literal("run"), key: v.string(), baseline: v.number(), paymentUrl: v.union(v.string(), v.null()), first: v.boolean() }),
  v.object({ kind: v.literal("wait"), activeUntil: v.number() }),
);

/**
 * Start (or repeat) an intent. A new intent is recorded pending with its key
 * and the baseline of the plan; a done one answers its outcome; one that a
 * live run owns says wait (unless `takeOver`); a failed, dead or released
 * one is run again with the same key.
 */
export const begin = internalMutation({
  args: { organizationId: v.string(), intentId: v.string(), action: intentAction, planId: v.string(), takeOver: v.optional(v.boolean()) },
  returns: beginResult,
  handler: async (ctx, { organizationId, intentId, action, planId, takeOver }) => {
    const now = Date.now();
    const doc = await load(ctx, organizationId, intentId);
    if (!doc) {
      const key = intentKey(organizationId, action, intentId);
      const baseline = entriesOf(await loadCustomer(ctx, organizationId), planId);
      await ctx.db.insert("billingPurchaseIntents", {
        organizationId, intentId, action, planId, key, state: "pending", baseline,
        activeUntil: now + INTENT_RUN_MS, runs: 1, createdAt: now, updatedAt: now,
      });
      return { kind: "run" as const, key, baseline, paymentUrl: null, first: true };
    }
    if (doc.action !== action || doc.planId !== planId) {
      throw billingError("INVALID_ARGUMENT", "This purchase intent was made for another action or plan; open the dialog again", { reason: "intent_reused" });
    }
    if (doc.state === "done" && doc.outcome) return { kind: "done" as const, outcome: doc.outcome };
    if (doc.state === "pending" && doc.activeUntil > now && !takeOver) return { kind: "wait" as const, activeUntil: doc.activeUntil };
    await ctx.db.patch(doc._id, { state: "pending", activeUntil: now + INTENT_RUN_MS, runs: doc.runs + 1, updatedAt: now });
    return { kind: "run" as const, key: doc.key, baseline: doc.baseline, paymentUrl: doc.paymentUrl ?? null, first: false };
  },
});

/** The run's answer. The first outcome wins: a later finish never replaces it. */
export const finish = internalMutation({
  args: { organizationId: v.string(), intentId: v.string(), outcome: intentOutcome },
  returns: intentOutcome,
  handler: async (ctx, { organizationId, intentId, outcome }) => {
    const doc = await load(ctx, organizationId, intentId);
    if (!doc) throw new Error(`purchase intent ${intentId} not found`);
    if (doc.state === "done" && doc.outcome) return doc.outcome;
    await ctx.db.patch(doc._id, {
      state: "done", outcome, activeUntil: 0, updatedAt: Date.now(),
      ...(outcome.status === "redirect" ? { paymentUrl: outcome.paymentUrl } : {}),
    });
    return outcome;
  },
});

/** The run failed (Autumn refused, or the answer is unknown): released, so a repeat runs again with the same key. */
export const fail = internalMutation({
  args: { organizationId: v.string(), intentId: v.string(), code: v.string(), message: v.string() },
  returns: v.null(),
  handler: async (ctx, { organizationId, intentId, code, message }) => {
    const doc = await load(ctx, organizationId, intentId);
    if (!doc || doc.state === "done") return null;
    await ctx.db.patch(doc._id, { state: "failed", activeUntil: 0, lastError: { code, message: message.slice(0, 500) }, updatedAt: Date.now() });
    return null;
  },
});

export const get = internalQuery({
  args: { organizationId: v.string(), intentId: v.string() },
  returns: v.union(v.object({ state: v.string(), outcome: v.union(intentOutcome, v.null()), activeUntil: v.number(), runs: v.number() }), v.null()),
  handler: async (ctx, { organizationId, intentId }) => {
    const doc = await load(ctx, organizationId, intentId);
    return doc ? { state: doc.state, outcome: doc.outcome ?? null, activeUntil: doc.activeUntil, runs: doc.runs } : null;
  },
});

/** Where the org stands with a plan in the cache: entries held (see entriesOf) and the main plan's status. */
export const planStanding = internalQuery({
  args: { organizationId: v.string(), planId: v.string() },
  returns: v.object({ entries: v.number(), status: v.union(v.literal("active"), v.literal("scheduled"), v.null()) }),
  handler: async (ctx, { organizationId, planId }) => {
    const row = await loadCustomer(ctx, organizationId);
    const sub = row?.subscriptions.find((s) => s.planId === planId);
    return { entries: entriesOf(row, planId), status: sub?.status ?? null };
  },
});

/** Drop intents past retention, 500 per call (the seat sweeper's cron calls it). */
export const prune = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const old = await ctx.db.query("billingPurchaseIntents")
      .withIndex("by_createdAt", (q) => q.lt("createdAt", Date.now() - INTENT_RETENTION_MS)).take(500);
    for (const doc of old) await ctx.db.delete(doc._id);
    return old.length;
  },
});
