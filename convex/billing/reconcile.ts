// The daily reconcile (crons.ts, 03:00 UTC): webhooks can be lost, so once a
// day every customer is re-pulled from Autumn, and every organization that
// still has no billing row is provisioned. Built to stay inside both sets of
// limits at 100k organizations:
//
//  - Autumn: one `customers.list` call per step (keyset cursor, PAGE_SIZE per
//    page), steps at least MIN_LIST_INTERVAL_MS apart (list customers is
//    limited to 5/s per Autumn org; the default leaves room for everyone
//    else); provisioning calls are spaced PROVISION_SPACING_MS apart.
//  - Convex: each step is one short action; rows are written by internal
//    mutations of at most WRITE_BATCH customers each, so every transaction
//    reads and writes a few hundred documents at most (limits: thousands).
//
// The run is a row in `billingReconcileRuns` and a chain of scheduled steps:
//
//   start ─► customersPage ─► … ─► customersPage ─► organizationsPage ─► … ─► done
//             (one list page)       (last page)       (one page of orgs)
//
// Progress (the cursor) moves only in `commitPage`, after the whole page was
// written, so a failed page is retried from the same cursor with backoff
// (`pageFailed`); after RETRY_BACKOFF is used up the run is marked failed
// and the next day's run starts over. Each scheduled step carries the run's
// `step` token and only the step holding the current token may advance it,
// so a duplicated or superseded chain stops by itself. `start` while a run is
// running is a no-op, unless the run has made no progress for STALE_AFTER_MS
// (its chain died), in which case it resumes from the saved cursor.
//
// Writes are idempotent and never go backwards: a snapshot carries the time
// its page was fetched, and a newer one (e.g. from a webhook) wins.
// `customers.list` has no `expand`, so plan names come from the plan cache and
// the cached invoices (only customers.get expands them) are kept as they are.
// Customers without a cache row are not touched (counted as `skipped`): either
// they are not organizations of this app, or they are organizations still
// missing their row, which the organizations phase provisions.
import type { ListCustomersList } from "autumn-js";
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type ActionCtx, type MutationCtx } from "../_generated/server";
import { callAutumn } from "./autumn";
import { billingErrorCode } from "./errors";
import { customerToRow } from "./mapping";
import { ownershipOf } from "./ownership";
import { ownerMarker } from "./ownershipGuard";
import { host } from "./host";
import { customerFields, reconcileRunFields, type CustomerRow } from "./schema";
import { MAX_CATALOG_ROWS, upsertCustomerRow } from "./sync";

/** Customers per `customers.list` call (Autumn's ceiling is 5000). */
export const DEFAULT_PAGE_SIZE = 1_000;
export const MAX_PAGE_SIZE = 5_000;
/** Customers per write mutation. */
export const WRITE_BATCH = 100;
/** Autumn allows 5 list calls/s per org: never closer than this. */
export const MIN_LIST_INTERVAL_MS = 200;
/** Default wait between pages: a fifth of the list budget, spread over minutes. */
export const DEFAULT_PAGE_DELAY_MS = 1_000;
/** Organizations per organizations-phase mutation. */
export const ORG_PAGE_SIZE = 250;
/**
 * Between two provisioning calls. Autumn puts customers.get_or_create in its `check` group (10,000/s per
 * customer, 240,000/min per org: server/src/internal/misc/rateLimiter/rateLimitConfigs.ts @187c0a7); 5/s keeps
 * a backlog of new organizations far below that and spread out.
 */
export const PROVISION_SPACING_MS = 200;
/**
 * Backoff of a failed page, in multiples of the run's page delay (with the
 * default 1 s: 2 s, 10 s, 1 min, 5 min, 15 min); the run fails once these are
 * used up. A 429's Retry-After is honoured when longer.
 */
export const RETRY_BACKOFF = [2, 10, 60, 300, 900];
/** A running run with no progress for this long lost its chain; `start` resumes it. */
export const STALE_AFTER_MS = 60 * 60_000;

type Run = Doc<"billingReconcileRuns">;

export const startResult = v.object({
  runId: v.id("billingReconcileRuns"),
  status: v.union(v.literal("started"), v.literal("already_running"), v.literal("resumed")),
});

function errorText(err: unknown): { message: string; retryAfterMs: number | null } {
  const data = (err as { data?: { message?: unknown; retryAfterSeconds?: unknown } }).data;
  const code = billingErrorCode(err) ?? "INTERNAL";
  const message = typeof data?.message === "string" ? data.message : err instanceof Error ? err.message : String(err);
  const retryAfterMs = typeof data?.retryAfterSeconds === "number" ? data.retryAfterSeconds * 1000 : null;
  return { message: `${code}: ${message}`.slice(0, 500), retryAfterMs };
}

async function scheduleStep(ctx: MutationCtx, run: Pick<Run, "_id" | "phase">, step: number, delayMs: number): Promise<void> {
  if (run.phase === "customers") {
    await ctx.scheduler.runAfter(delayMs, internal.billing.reconcile.customersPage, { runId: run._id, step });
  } else {
    await ctx.scheduler.runAfter(delayMs, internal.billing.reconcile.organizationsPage, { runId: run._id, step });
  }
}

/** Is `step` the token that may advance this run right now? */
function current(run: Run | null, step: number): run is Run {
  return run !== null && run.state === "running" && run.step === step;
}

// ── start (the cron's target) ───────────────────────────────────────────────

export const start = internalMutation({
  args: { pageSize: v.optional(v.number()), pageDelayMs: v.optional(v.number()) },
  returns: startResult,
  handler: async (ctx, args) => {
    const now = Date.now();
    const latest = await ctx.db.query("billingReconcileRuns").withIndex("by_startedAt").order("desc").first();
    if (latest && latest.state === "running") {
      if (now - latest.updatedAt < STALE_AFTER_MS) return { runId: latest._id, status: "already_running" as const };
      const step = latest.step + 1;
      await ctx.db.patch(latest._id, { step, attempt: 0, updatedAt: now });
      await scheduleStep(ctx, latest, step, 0);
      return { runId: latest._id, status: "resumed" as const };
    }
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(args.pageSize ?? DEFAULT_PAGE_SIZE)));
    const pageDelayMs = Math.max(MIN_LIST_INTERVAL_MS, args.pageDelayMs ?? DEFAULT_PAGE_DELAY_MS);
    const runId = await ctx.db.insert("billingReconcileRuns", {
      startedAt: now,
      finishedAt: null,
      state: "running",
      cursor: null,
      pages: 0,
      customers: 0,
      provisioned: 0,
      errors: 0,
      lastError: null,
      phase: "customers",
      orgCursor: null,
      step: 1,
      attempt: 0,
      refreshed: 0,
      skipped: 0,
      pageSize,
      pageDelayMs,
      updatedAt: now,
    });
    await scheduleStep(ctx, { _id: runId, phase: "customers" }, 1, 0);
    return { runId, status: "started" as const };
  },
});

// ── customers phase: one Autumn page per step ──────────────────────────────

export const pageContext = internalQuery({
  args: { runId: v.id("billingReconcileRuns"), step: v.number() },
  returns: v.union(
    v.null(),
    v.object({ cursor: v.union(v.string(), v.null()), pageSize: v.number(), planNames: v.array(v.object({ planId: v.string(), name: v.string() })) }),
  ),
  handler: async (ctx, { runId, step }) => {
    const run = await ctx.db.get(runId);
    if (!current(run, step) || run.phase !== "customers") return null;
    const plans = await ctx.db.query("billingPlans").take(MAX_CATALOG_ROWS);
    return { cursor: run.cursor, pageSize: run.pageSize, planNames: plans.map((p) => ({ planId: p.planId, name: p.name })) };
  },
});

/** This deployment's id, for the ownership check of a listed page. */
async function reconcileDeploymentId(ctx: ActionCtx): Promise<string> {
  return (await ownerMarker(ctx, "")).deploymentId;
}

export const customersPage = internalAction({
  args: { runId: v.id("billingReconcileRuns"), step: v.number() },
  returns: v.null(),
  handler: async (ctx, { runId, step }): Promise<null> => {
    const page: { cursor: string | null; pageSize: number; planNames: Array<{ planId: string; name: string }> } | null =
      await ctx.runQuery(internal.billing.reconcile.pageContext, { runId, step });
    if (!page) return null; // superseded, finished or failed meanwhile
    const fetchedAt = Date.now();
    let refreshed = 0;
    let skipped = 0;
    let listed: { list: ListCustomersList[]; nextCursor: string | null };
    try {
      // One attempt per step: a failure is retried by the run, with backoff and the same cursor.
      listed = await callAutumn("customers.list", (c, o) => c.customers.list({ startCursor: page.cursor ?? "", limit: page.pageSize }, o), { maxAttempts: 1 });
      const names = new Map(page.planNames.map((p) => [p.planId, p.name]));
      const rows: CustomerRow[] = [];
      const deploymentId = await reconcileDeploymentId(ctx);
      for (const c of listed.list) {
        // ownership.ts: a customer marked for another org or deployment is never adopted (unmarked ones
        // only refresh rows this deployment already has; applyBatch skips the rest).
        const owner = c.id ? ownershipOf(c.metadata, { organizationId: c.id, deploymentId }) : null;
        if (c.id && owner?.kind !== "foreign") rows.push(customerToRow(c.id, c, names, fetchedAt));
        else skipped += 1;
      }
      for (let i = 0; i < rows.length; i += WRITE_BATCH) {
        const r = await ctx.runMutation(internal.billing.reconcile.applyBatch, { rows: rows.slice(i, i + WRITE_BATCH) });
        refreshed += r.refreshed;
        skipped += r.skipped;
      }
    } catch (err) {
      const { message, retryAfterMs } = errorText(err);
      await ctx.runMutation(internal.billing.reconcile.pageFailed, { runId, step, error: message, retryAfterMs });
      return null;
    }
    await ctx.runMutation(internal.billing.reconcile.commitPage, {
      runId,
      step,
      fromCursor: page.cursor,
      nextCursor: listed.nextCursor,
      customers: listed.list.length,
      refreshed,
      skipped,
    });
    return null;
  },
});

/** Refresh the rows of up to WRITE_BATCH customers that are organizations here. */
export const applyBatch = internalMutation({
  args: { rows: v.array(v.object(customerFields)) },
  returns: v.object({ refreshed: v.number(), skipped: v.number(), older: v.number() }),
  handler: async (ctx, { rows }) => {
    if (rows.length > WRITE_BATCH) throw new Error(`applyBatch takes at most ${WRITE_BATCH} rows, got ${rows.length}`);
    let refreshed = 0;
    let skipped = 0;
    let older = 0;
    for (const row of rows) {
      const existing = await ctx.db
        .query("billingCustomers")
        .withIndex("by_organizationId", (q) => q.eq("organizationId", row.organizationId))
        .unique();
      if (!existing) {
        skipped += 1;
        continue;
      }
      // customers.list cannot expand invoices: keep the cached ones.
      // No reset-refresh scheduling here: each batch stays within WRITE_BATCH documents (resetRefresh.ts).
      const written = await upsertCustomerRow(ctx, { ...row, invoices: existing.invoices }, existing, { scheduleRefresh: false });
      if (written) refreshed += 1;
      else older += 1;
    }
    return { refreshed, skipped, older };
  },
});

export const commitPage = internalMutation({
  args: {
    runId: v.id("billingReconcileRuns"),
    step: v.number(),
    fromCursor: v.union(v.string(), v.null()),
    nextCursor: v.union(v.string(), v.null()),
    customers: v.number(),
    refreshed: v.number(),
    skipped: v.number(),
  },
  returns: v.boolean(),
  handler: async (ctx, a) => {
    const run = await ctx.db.get(a.runId);
    if (!current(run, a.step) || run.phase !== "customers" || run.cursor !== a.fromCursor) return false;
    const step = a.step + 1;
    const more = a.nextCursor !== null && a.nextCursor !== a.fromCursor;
    const phase = more ? "customers" as const : "organizations" as const;
    await ctx.db.patch(run._id, {
      pages: run.pages + 1,
      customers: run.customers + a.customers,
      refreshed: run.refreshed + a.refreshed,
      skipped: run.skipped + a.skipped,
      cursor: more ? a.nextCursor : null,
      phase,
      step,
      attempt: 0,
      updatedAt: Date.now(),
    });
    await scheduleStep(ctx, { _id: run._id, phase }, step, run.pageDelayMs);
    return true;
  },
});

export const pageFailed = internalMutation({
  args: { runId: v.id("billingReconcileRuns"), step: v.number(), error: v.string(), retryAfterMs: v.union(v.number(), v.null()) },
  returns: v.null(),
  handler: async (ctx, { runId, step, error, retryAfterMs }) => {
    const run = await ctx.db.get(runId);
    if (!current(run, step)) return null;
    const attempt = run.attempt + 1;
    const factor = RETRY_BACKOFF[attempt - 1];
    const now = Date.now();
    if (factor === undefined) {
      await ctx.db.patch(run._id, { state: "failed", finishedAt: now, attempt, errors: run.errors + 1, lastError: error, updatedAt: now });
      return null;
    }
    await ctx.db.patch(run._id, { step: step + 1, attempt, errors: run.errors + 1, lastError: error, updatedAt: now });
    await scheduleStep(ctx, run, step + 1, Math.max(factor * run.pageDelayMs, retryAfterMs ?? 0));
    return null;
  },
});

// ── organizations phase: provision whoever has no row ──────────────────────

export const organizationsPage = internalMutation({
  args: { runId: v.id("billingReconcileRuns"), step: v.number() },
  returns: v.null(),
  handler: async (ctx, { runId, step }) => {
    const run = await ctx.db.get(runId);
    if (!current(run, step) || run.phase !== "organizations") return null;
    const page = await host.listOrganizations(ctx, { numItems: ORG_PAGE_SIZE, cursor: run.orgCursor });
    let scheduled = 0;
    for (const org of page.page) {
      const row = await ctx.db
        .query("billingCustomers")
        .withIndex("by_organizationId", (q) => q.eq("organizationId", org.id))
        .unique();
      if (row) continue;
      await ctx.scheduler.runAfter(scheduled * PROVISION_SPACING_MS, internal.billing.provisioning.provisionOrganization, { organizationId: org.id });
      scheduled += 1;
    }
    const now = Date.now();
    const provisioned = run.provisioned + scheduled;
    if (page.isDone) {
      await ctx.db.patch(run._id, { state: "done", finishedAt: now, provisioned, orgCursor: null, attempt: 0, updatedAt: now });
      return null;
    }
    const next = step + 1;
    await ctx.db.patch(run._id, { orgCursor: page.continueCursor, provisioned, step: next, attempt: 0, updatedAt: now });
    // The next page starts after this page's provisioning calls, so they never bunch up; a page that provisioned
    // nobody called no Autumn route, so the next one follows at once (pacing there only made the run longer).
    await scheduleStep(ctx, run, next, scheduled * PROVISION_SPACING_MS);
    return null;
  },
});

// ── for the admin UI and tests ──────────────────────────────────────────────

export const latestRun = internalQuery({
  args: {},
  returns: v.union(v.null(), v.object({ _id: v.id("billingReconcileRuns"), _creationTime: v.number(), ...reconcileRunFields })),
  handler: async (ctx): Promise<Run | null> => {
    return await ctx.db.query("billingReconcileRuns").withIndex("by_startedAt").order("desc").first();
  },
});
