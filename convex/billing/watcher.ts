// The post-checkout watcher. After an owner is sent to a payment page, the
// plan activates in Autumn some seconds later (when the payment settles).
// Webhooks usually tell us; the watcher makes sure even without them: it
// re-syncs the org with backoff and stops the moment the plan is active.
//
//            start                      tick: plan active
//   (none) ────────▶ watching ──────────────────────────────▶ activated
//                     │   ▲ tick: not yet, attempts left
//                     │   └──(re-sync after 3s, 20s, 60s, 120s, 300s)
//                     │ tick: not yet, schedule exhausted
//                     └─────────────────────────────────────▶ gave_up
//   start while watching → no change (one watcher per org and plan)
//   start after activated / gave_up → watching again from attempt 0
//   a tick whose attempt is stale (duplicate or late) → ignored
//
// Each tick is one customers.get_or_create (a read-rate call, 10k/s; the
// activating tick adds one plans.list for the org's trial eligibility), and at
// most five ticks run per checkout, far inside Autumn's 30/min per-customer
// billing limit, which applies to attach/cancel, not to reads.
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import { internalAction, internalMutation, type MutationCtx } from "../_generated/server";
import { memberQuery, ownerAction } from "./functions";
import { loadCustomer } from "./cache";
import { omitSystemFields } from "./docs";
import { refreshEligibility, runCustomerSync } from "./sync";
import { watcherFields, type CustomerRow } from "./schema";

/** Delay before each re-sync: the n-th tick runs WATCH_BACKOFF_MS[n] after the previous step. */
export const WATCH_BACKOFF_MS = [3_000, 20_000, 60_000, 120_000, 300_000] as const;

const watcher = v.object(watcherFields);
export type Watcher = Infer<typeof watcher>;

export type WatcherEvent =
  | { type: "start"; now: number; baselinePurchases: number }
  | { type: "tick"; attempt: number; planActive: boolean; now: number; error: string | null };

export interface Transition {
  next: Watcher | null;
  /** Schedule the next tick after this many ms (null: nothing to schedule). */
  scheduleInMs: number | null;
}

/** The whole state machine, pure: (state, event) → (next state, what to schedule). */
export function transition(current: Watcher | null, event: WatcherEvent, key: { organizationId: string; planId: string }): Transition {
  if (event.type === "start") {
    if (current?.state === "watching") return { next: current, scheduleInMs: null };
    const first = WATCH_BACKOFF_MS[0];
    return {
      next: {
        ...key, state: "watching", attempt: 0, startedAt: event.now, nextCheckAt: event.now + first,
        finishedAt: null, lastError: null, baselinePurchases: event.baselinePurchases,
      },
      scheduleInMs: first,
    };
  }
  if (!current || current.state !== "watching" || current.attempt !== event.attempt) {
    return { next: current, scheduleInMs: null }; // stale or duplicate tick
  }
  if (event.planActive) {
    return { next: { ...current, state: "activated", attempt: event.attempt + 1, nextCheckAt: null, finishedAt: event.now, lastError: null }, scheduleInMs: null };
  }
  const attempt = event.attempt + 1;
  const delay = WATCH_BACKOFF_MS[attempt];
  if (delay === undefined) {
    return { next: { ...current, state: "gave_up", attempt, nextCheckAt: null, finishedAt: event.now, lastError: event.error }, scheduleInMs: null };
  }
  return { next: { ...current, attempt, nextCheckAt: event.now + delay, lastError: event.error }, scheduleInMs: delay };
}

/** Is `planId` active for the org in this snapshot (a new purchase, for one-off add-ons)? */
export function planIsActive(row: CustomerRow | null, planId: string, baselinePurchases: number): boolean {
  if (!row) return false;
  if (row.subscriptions.some((s) => s.planId === planId && s.status === "active")) return true;
  return row.purchases.filter((p) => p.planId === planId).length > baselinePurchases;
}

export function purchasesOf(row: CustomerRow | null, planId: string): number {
  return row ? row.purchases.filter((p) => p.planId === planId).length : 0;
}

// ── Convex wiring ──────────────────────────────────────────────────────────

async function load(ctx: MutationCtx, organizationId: string, planId: string) {
  return ctx.db.query("billingWatchers")
    .withIndex("by_organizationId_planId", (q) => q.eq("organizationId", organizationId).eq("planId", planId))
    .unique();
}

async function apply(ctx: MutationCtx, organizationId: string, planId: string, event: WatcherEvent): Promise<Watcher | null> {
  const doc = await load(ctx, organizationId, planId);
  const current = doc ? omitSystemFields(doc) : null;
  const { next, scheduleInMs } = transition(current, event, { organizationId, planId });
  if (next && next !== current) {
    if (doc) await ctx.db.replace(doc._id, next);
    else await ctx.db.insert("billingWatchers", next);
  }
  if (next && scheduleInMs !== null) {
    await ctx.scheduler.runAfter(scheduleInMs, internal.billing.watcher.tick, { organizationId, planId, attempt: next.attempt });
  }
  return next;
}

/** Start watching (idempotent while a watcher for this org and plan is running). */
export const startWatcher = internalMutation({
  args: { organizationId: v.string(), planId: v.string(), paymentUrl: v.optional(v.string()) },
  returns: v.union(watcher, v.null()),
  handler: async (ctx, { organizationId, planId, paymentUrl }) => {
    const row = await loadCustomer(ctx, organizationId);
    const next = await apply(ctx, organizationId, planId, { type: "start", now: Date.now(), baselinePurchases: purchasesOf(row, planId) });
    // Remember the payment page (a new one replaces an expired one) for a retried checkout.
    if (next && paymentUrl && next.paymentUrl !== paymentUrl) {
      const doc = await load(ctx, organizationId, planId);
      if (doc) await ctx.db.patch(doc._id, { paymentUrl });
      return { ...next, paymentUrl };
    }
    return next;
  },
});

export const recordTick = internalMutation({
  args: { organizationId: v.string(), planId: v.string(), attempt: v.number(), error: v.union(v.string(), v.null()) },
  returns: v.union(watcher, v.null()),
  handler: async (ctx, { organizationId, planId, attempt, error }) => {
    const doc = await load(ctx, organizationId, planId);
    const row = await loadCustomer(ctx, organizationId);
    const planActive = planIsActive(row, planId, doc?.baselinePurchases ?? 0);
    return apply(ctx, organizationId, planId, { type: "tick", attempt, planActive, now: Date.now(), error });
  },
});

/** One tick: re-sync the org from Autumn, then let the state machine decide. */
export const tick = internalAction({
  args: { organizationId: v.string(), planId: v.string(), attempt: v.number() },
  returns: v.null(),
  handler: async (ctx, { organizationId, planId, attempt }) => {
    // While waiting only the customer is read; eligibility is refreshed once, when the plan is active.
    const result = await runCustomerSync(ctx, organizationId, {}, { eligibility: false });
    const next = await ctx.runMutation(internal.billing.watcher.recordTick, {
      organizationId, planId, attempt, error: result.ok ? null : `${result.error?.code}: ${result.error?.message}`,
    });
    if (next?.state === "activated" && next.attempt === attempt + 1) await refreshEligibility(ctx, organizationId);
    return null;
  },
});

/** For /billing/success: is the watcher still waiting, done, or did it give up? */
export const getActivation = memberQuery({
  args: { planId: v.string() },
  returns: v.object({
    state: v.union(v.literal("none"), v.literal("watching"), v.literal("activated"), v.literal("gave_up")),
    planActive: v.boolean(),
    nextCheckAt: v.union(v.number(), v.null()),
  }),
  handler: async (ctx, { planId }) => {
    const orgId = ctx.viewer.organizationId;
    const doc = await ctx.db.query("billingWatchers")
      .withIndex("by_organizationId_planId", (q) => q.eq("organizationId", orgId).eq("planId", planId)).unique();
    const row = await loadCustomer(ctx, orgId);
    return {
      state: doc ? doc.state : ("none" as const),
      planActive: planIsActive(row, planId, doc?.baselinePurchases ?? Number.MAX_SAFE_INTEGER),
      nextCheckAt: doc?.nextCheckAt ?? null,
    };
  },
});

/** "Check again" after the watcher gave up: restarts it from the first step. */
export const retryActivation = ownerAction({
  args: { planId: v.string() },
  returns: v.null(),
  handler: async (ctx, { planId }) => {
    await ctx.runMutation(internal.billing.watcher.startWatcher, { organizationId: ctx.viewer.organizationId, planId });
    return null;
  },
});
