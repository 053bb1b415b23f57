// The billing cache: Convex tables mirroring what Autumn knows (Autumn is
// the source of truth), so every read is a reactive query that never calls
// Autumn. Field validators are exported and reused as `returns:` validators.
import { defineTable } from "convex/server";
import { ownershipTables } from "./ownership";
import { purchaseIntentTables } from "./purchaseIntentsSchema";
import { seatChangeTables } from "./seatChangesSchema";
import { reservationTables } from "./reservations/schema";
import { spendTables } from "./spendSchema";
import { v, type Infer } from "convex/values";

export const featureType = v.union(v.literal("boolean"), v.literal("metered"), v.literal("credit_system"), v.literal("ai_credit_system"));
export const display = v.union(v.object({ singular: v.string(), plural: v.string() }), v.null());
export const reset = v.union(v.object({ interval: v.string(), intervalCount: v.number() }), v.null());

export const featureFields = {
  featureId: v.string(),
  name: v.string(),
  type: featureType,
  consumable: v.boolean(),
  creditSchema: v.array(v.object({ meteredFeatureId: v.string(), creditCost: v.number() })),
  eventNames: v.array(v.string()),
  display,
  archived: v.boolean(),
  syncedAt: v.number(),
};

export const planItem = v.object({
  featureId: v.string(),
  featureName: v.string(),
  featureType,
  consumable: v.boolean(),
  display,
  included: v.number(),
  unlimited: v.boolean(),
  reset,
  price: v.union(
    v.object({
      amount: v.union(v.number(), v.null()),
      interval: v.union(v.string(), v.null()),
      billingMethod: v.union(v.literal("prepaid"), v.literal("usage_based")),
      billingUnits: v.number(),
      maxPurchase: v.union(v.number(), v.null()),
    }),
    v.null(),
  ),
});

export const planPrice = v.union(
  v.object({
    amount: v.number(),
    currency: v.string(),
    interval: v.string(),
    intervalCount: v.number(),
    additionalCurrencies: v.array(v.object({ currency: v.string(), amount: v.number() })),
  }),
  v.null(),
);

export const planFields = {
  planId: v.string(),
  version: v.number(),
  name: v.string(),
  description: v.union(v.string(), v.null()),
  group: v.union(v.string(), v.null()),
  addOn: v.boolean(),
  autoEnable: v.boolean(),
  price: planPrice,
  freeTrial: v.union(v.object({ durationLength: v.number(), durationType: v.string(), cardRequired: v.boolean() }), v.null()),
  items: v.array(planItem),
  archived: v.boolean(),
  /** Position in a pricing table: free first, then by monthly price, add-ons last. */
  sortKey: v.number(),
  syncedAt: v.number(),
};

export const subscription = v.object({
  subscriptionId: v.string(),
  planId: v.string(),
  planName: v.string(),
  status: v.union(v.literal("active"), v.literal("scheduled")),
  addOn: v.boolean(),
  autoEnable: v.boolean(),
  pastDue: v.boolean(),
  canceledAt: v.union(v.number(), v.null()),
  expiresAt: v.union(v.number(), v.null()),
  trialEndsAt: v.union(v.number(), v.null()),
  startedAt: v.number(),
  currentPeriodStart: v.union(v.number(), v.null()),
  currentPeriodEnd: v.union(v.number(), v.null()),
});

export const purchase = v.object({
  planId: v.string(),
  planName: v.string(),
  startedAt: v.number(),
  expiresAt: v.union(v.number(), v.null()),
  quantity: v.number(),
});

export const balance = v.object({
  featureId: v.string(),
  granted: v.number(),
  remaining: v.number(),
  usage: v.number(),
  unlimited: v.boolean(),
  overageAllowed: v.boolean(),
  maxPurchase: v.union(v.number(), v.null()),
  nextResetAt: v.union(v.number(), v.null()),
  // Billing controls / rollovers (controls.ts). Optional: rows cached before they existed stay valid.
  /** Rolled-over units (Autumn's balance.rollovers); granted/remaining/usage above include them. expiresAt null = never. */
  rollovers: v.optional(v.array(v.object({ granted: v.number(), balance: v.number(), expiresAt: v.union(v.number(), v.null()) }))),
  /** Per-plan included grants and their resets (Autumn's breakdown): a percentage spend limit's base, window anchors. */
  grants: v.optional(v.array(v.object({ planId: v.union(v.string(), v.null()), included: v.number(), resetsAt: v.union(v.number(), v.null()) }))),
});

const controlSource = v.union(v.literal("customer"), v.literal("plan"), v.null());
/** One property condition of a filtered usage limit (sorted by key; values compared as strings). */
const filterProperty = v.object({ key: v.string(), value: v.string() });
/** Autumn's customer `billing_controls` (API 2.3+: plan defaults merged, each entry with its `source`). */
export const billingControls = v.object({
  usageLimits: v.array(v.object({
    featureId: v.string(),
    enabled: v.boolean(),
    limit: v.number(),
    interval: v.string(),
    anchor: v.union(v.literal("billing_cycle"), v.literal("utc")),
    /** Empty: every event counts and every check is gated. */
    filter: v.array(filterProperty),
    /** Window usage as of `syncedAt` (0 when Autumn reports none). */
    usage: v.number(),
    /** When that window ends, as far as the cache can tell (null: unknown, so `usage` is kept). */
    windowEndsAt: v.union(v.number(), v.null()),
    source: controlSource,
  })),
  spendLimits: v.array(v.object({
    featureId: v.union(v.string(), v.null()),
    enabled: v.boolean(),
    limitType: v.union(v.literal("absolute"), v.literal("usage_percentage")),
    overageLimit: v.union(v.number(), v.null()),
    skipOverageBilling: v.boolean(),
    source: controlSource,
  })),
  overageAllowed: v.array(v.object({ featureId: v.string(), enabled: v.boolean(), source: controlSource })),
  usageAlerts: v.array(v.object({
    featureId: v.union(v.string(), v.null()),
    enabled: v.boolean(),
    threshold: v.number(),
    thresholdType: v.string(),
    basis: v.string(),
    filter: v.array(filterProperty),
    name: v.union(v.string(), v.null()),
    source: controlSource,
  })),
  autoTopups: v.array(v.object({
    featureId: v.string(),
    enabled: v.boolean(),
    threshold: v.number(),
    quantity: v.number(),
    invoiceMode: v.boolean(),
    purchaseLimit: v.union(v.object({ interval: v.string(), intervalCount: v.number(), limit: v.number() }), v.null()),
    source: controlSource,
  })),
});

export const flag = v.object({
  featureId: v.string(),
  planId: v.union(v.string(), v.null()),
  expiresAt: v.union(v.number(), v.null()),
});

export const invoice = v.object({
  stripeId: v.string(),
  planIds: v.array(v.string()),
  status: v.string(),
  total: v.number(),
  currency: v.string(),
  createdAt: v.number(),
  hostedInvoiceUrl: v.union(v.string(), v.null()),
});

export const syncError = v.union(v.object({ code: v.string(), message: v.string(), at: v.number() }), v.null());

/** plans.list customer_eligibility, per plan, as Autumn reported it for this org. */
export const planEligibility = v.object({
  planId: v.string(),
  attachAction: v.union(v.literal("activate"), v.literal("upgrade"), v.literal("downgrade"), v.literal("none"), v.literal("purchase")),
  /** null: the plan has no free trial; false: this org (or its owner) already had it, or it would be a downgrade. */
  trialAvailable: v.union(v.boolean(), v.null()),
  status: v.union(v.literal("active"), v.literal("scheduled"), v.null()),
  canceling: v.boolean(),
  trialing: v.boolean(),
});

export const customerFields = {
  organizationId: v.string(),
  /** Autumn's customer id; always the organization id. */
  customerId: v.string(),
  name: v.union(v.string(), v.null()),
  email: v.union(v.string(), v.null()),
  subscriptions: v.array(subscription),
  purchases: v.array(purchase),
  balances: v.array(balance),
  flags: v.array(flag),
  invoices: v.array(invoice),
  syncedAt: v.number(),
  lastSyncError: syncError,
  // Optional so rows cached before these fields existed stay valid (currency.ts, eligibility.ts).
  /** The currency Autumn locked at the first paid attach (Autumn does not report it on the customer). */
  currency: v.optional(v.union(v.string(), v.null())),
  /** The currency of a checkout sent to a payment page, recorded as locked once a paid plan is active. */
  pendingCurrency: v.optional(v.union(v.string(), v.null())),
  eligibility: v.optional(v.array(planEligibility)),
  /** Spend limits, usage limits (with window usage), overage switches, alerts, auto top-ups (controls.ts). */
  billingControls: v.optional(billingControls),
  eligibilitySyncedAt: v.optional(v.number()),
};

export const historyEntry = {
  organizationId: v.string(),
  planId: v.string(),
  planName: v.string(),
  /** What changed, as seen by comparing consecutive syncs. */
  change: v.union(
    v.literal("activated"), v.literal("scheduled"), v.literal("canceled"), v.literal("uncanceled"),
    v.literal("expired"), v.literal("trial_started"), v.literal("trial_converted"), v.literal("past_due"),
  ),
  at: v.number(),
};

export const syncRunFields = {
  kind: v.literal("plans"),
  startedAt: v.number(),
  finishedAt: v.number(),
  ok: v.boolean(),
  error: syncError,
  features: v.number(),
  plans: v.number(),
  pruned: v.number(),
};

/** Post-checkout watcher: one per (org, plan); see watcher.ts for the state machine. */
export const watcherFields = {
  organizationId: v.string(),
  planId: v.string(),
  state: v.union(v.literal("watching"), v.literal("activated"), v.literal("gave_up")),
  /** Ticks done so far (index into the backoff schedule). */
  attempt: v.number(),
  startedAt: v.number(),
  nextCheckAt: v.union(v.number(), v.null()),
  finishedAt: v.union(v.number(), v.null()),
  lastError: v.union(v.string(), v.null()),
  /** Purchases of the plan when watching began: a one-off add-on is "active" once there are more. */
  baselinePurchases: v.number(),
  /** The payment page Autumn sent the owner to (a retried checkout that Autumn refuses gets it again). */
  paymentUrl: v.optional(v.string()),
};


/** Confirmed usage per org, feature and UTC day: the usage-over-time chart reads this (no Autumn call). */
export const usageDayFields = {
  organizationId: v.string(),
  featureId: v.string(),
  day: v.number(),
  units: v.number(),
  /** Several rows per day spread the writes of settlements (reservations/ledger.ts); readers sum them. */
  shard: v.optional(v.number()),
};

/** Webhook ledger: every accepted event id once, to drop replays and duplicates. */
export const webhookEventFields = {
  eventId: v.string(),
  type: v.string(),
  organizationId: v.union(v.string(), v.null()),
  receivedAt: v.number(),
  /** The customer sync covering this event (shared by events coalesced into one pending sync). */
  syncJobId: v.union(v.id("_scheduled_functions"), v.null()),
};

/** The daily reconcile: a resumable, paged walk over Autumn's customers. */
export const reconcileRunFields = {
  startedAt: v.number(),
  finishedAt: v.union(v.number(), v.null()),
  state: v.union(v.literal("running"), v.literal("done"), v.literal("failed")),
  cursor: v.union(v.string(), v.null()),
  pages: v.number(),
  customers: v.number(),
  provisioned: v.number(),
  errors: v.number(),
  lastError: v.union(v.string(), v.null()),
  /** Walk Autumn's customers first, then provision organizations that have no row. */
  phase: v.union(v.literal("customers"), v.literal("organizations")),
  /** Position in the organization walk (better-auth pagination cursor). */
  orgCursor: v.union(v.string(), v.null()),
  /** Token of the one scheduled step allowed to advance the run (guards against a second chain). */
  step: v.number(),
  /** Consecutive failures of the current page (reset when a page commits). */
  attempt: v.number(),
  /** Rows written for organizations here / customers skipped (not an organization here). */
  refreshed: v.number(),
  skipped: v.number(),
  pageSize: v.number(),
  pageDelayMs: v.number(),
  updatedAt: v.number(),
};

export const billingTables = {
  billingFeatures: defineTable(featureFields).index("by_featureId", ["featureId"]),
  billingPlans: defineTable(planFields).index("by_planId", ["planId"]).index("by_archived_sortKey", ["archived", "sortKey"]),
  billingCustomers: defineTable(customerFields).index("by_organizationId", ["organizationId"]),
  billingSubscriptionHistory: defineTable(historyEntry).index("by_organizationId_at", ["organizationId", "at"]),
  billingSyncRuns: defineTable(syncRunFields).index("by_kind_startedAt", ["kind", "startedAt"]),
  billingWatchers: defineTable(watcherFields)
    .index("by_organizationId_planId", ["organizationId", "planId"])
    .index("by_organizationId_state", ["organizationId", "state"]),
  ...reservationTables,
  ...purchaseIntentTables,
  ...seatChangeTables,
  billingUsageDays: defineTable(usageDayFields).index("by_organizationId_featureId_day", ["organizationId", "featureId", "day"]),
  /** One scheduled re-sync per org at its next reset moment (resetRefresh.ts). */
  billingResetRefresh: defineTable({ organizationId: v.string(), at: v.number(), jobId: v.id("_scheduled_functions") })
    .index("by_organizationId", ["organizationId"]),
  billingWebhookEvents: defineTable(webhookEventFields)
    .index("by_eventId", ["eventId"])
    .index("by_receivedAt", ["receivedAt"])
    .index("by_organizationId_receivedAt", ["organizationId", "receivedAt"]),
  billingReconcileRuns: defineTable(reconcileRunFields).index("by_startedAt", ["startedAt"]),
  ...ownershipTables,
  ...spendTables,
};

export type FeatureRow = Infer<ReturnType<typeof v.object<typeof featureFields>>>;
export type PlanRow = Infer<ReturnType<typeof v.object<typeof planFields>>>;
export type CustomerRow = Infer<ReturnType<typeof v.object<typeof customerFields>>>;
export type Balance = Infer<typeof balance>;
export type BillingControls = Infer<typeof billingControls>;
export type Flag = Infer<typeof flag>;
export type Subscription = Infer<typeof subscription>;
export type PlanEligibility = Infer<typeof planEligibility>;
