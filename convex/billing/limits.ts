// Bounds shared by reads (queries) and writes (sync actions/mutations). A
// module of its own, with no imports, so a query's module graph never pulls
// in what the sync path needs (autumn-js, zod): see deploy.test.ts.

/** Catalogs are small; this bound keeps every catalog read finite all the same. */
export const MAX_CATALOG_ROWS = 500;

const DAY_MS = 86_400_000;

/**
 * Retention of the tables that grow with time (billing/retention.ts prunes
 * them daily, oldest first, in bounded batches over the built-in
 * by_creation_time index). The usage ledger outlives the longest usage chart
 * (metering MAX_HISTORY_DAYS); plan-change history is kept two years; catalog
 * sync runs (one an hour) and reconcile runs 30 days.
 */
export const RETENTION_MS = {
  billingUsageDays: 400 * DAY_MS,
  billingSubscriptionHistory: 730 * DAY_MS,
  billingSyncRuns: 30 * DAY_MS,
  billingReconcileRuns: 30 * DAY_MS,
} as const;

/** Rows deleted per table per mutation (well inside Convex's per-transaction limits). */
export const PRUNE_BATCH = 500;
