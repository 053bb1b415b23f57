// The daily reconcile: a paged, resumable walk over Autumn's customers (one
// customers.list page per step, rows written in bounded batches), then over
// the organizations (provisioning those without billing). Run against a
// sandbox holding thousands of customers with the real autumn-js client, with
// Convex's per-transaction limits enforced, and every Convex function run
// counted and measured by an instrumented module map. Nothing is mocked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import crons from "../crons";
import { modules } from "../test.setup";
import { customerToRow } from "./mapping";
import { ORG_PAGE_SIZE, WRITE_BATCH } from "./reconcile";
import { instrumentModules, startBillingTest, type BillingTest, type FunctionRun, type TestUser } from "./testing.helpers";

const BULK = 3_000;
/** Bulk customers that also get a cache row (as organizations with billing would): full write batches. */
const SEEDED = 300;
const PAGE_SIZE = 1_000;
/** Convex's limits as the brief states them (tighter than convex-test's defaults). */
const LIMITS = { documentsWritten: 8_192, documentsRead: 16_384 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ── instrumentation: count every function run; measure each transaction ────

const runs: FunctionRun[] = [];

const count = (fn: string) => runs.filter((r) => r.fn === fn).length;

// ── fixtures ───────────────────────────────────────────────────────────────

let b: BillingTest;
let owner: TestUser;
/** Orgs whose Autumn state changes behind the cache's back: the walk must refresh them. */
let usageOrg: string;
let upgradedOrg: string;
/** Orgs with neither a row nor an Autumn customer, and one with only the customer. */
let lostOrgs: string[];
let rowlessOrg: string;

async function row(organizationId: string): Promise<Doc<"billingCustomers"> | null> {
  return b.t.run((ctx) => ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).unique());
}
async function deleteRow(organizationId: string): Promise<void> {
  await b.t.run(async (ctx) => {
    const r = await ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).unique();
    if (r) await ctx.db.delete(r._id);
  });
}
async function stats(): Promise<Record<string, number>> {
  return (await b.autumn.control("/sandbox/stats", undefined, "GET")).calls as Record<string, number>;
}
async function latest(): Promise<Doc<"billingReconcileRuns">> {
  const run = await b.t.query(internal.billing.reconcile.latestRun, {});
  if (!run) throw new Error("no reconcile run");
  return run;
}

/** Drive the scheduler (real timers) until the run finished and its provisioning ran. */
async function finishRun(runId: Id<"billingReconcileRuns">, timeoutMs = 25_000): Promise<Doc<"billingReconcileRuns">> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await b.t.finishInProgressScheduledFunctions();
    const run = await b.t.run((ctx) => ctx.db.get(runId));
    const busy = (await b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect()))
      .filter((j) => (j.state.kind === "pending" || j.state.kind === "inProgress") && j.scheduledTime < Date.now() + 5_000);
    if (run && run.state !== "running" && busy.length === 0) return run;
    if (Date.now() > until) throw new Error(`reconcile did not finish: ${JSON.stringify(run)}`);
    await sleep(25);
  }
}

async function createBulkCustomers(n: number): Promise<void> {
  const ids = Array.from({ length: n }, (_, i) => `bulk_${String(i).padStart(5, "0")}`);
  for (let i = 0; i < ids.length; i += 100) {
    const results = await Promise.all(ids.slice(i, i + 100).map((id) => b.autumn.rpc("customers.get_or_create", { customer_id: id })));
    expect(results.every((r) => r.status === 200)).toBe(true);
  }
}

beforeAll(async () => {
  b = await startBillingTest({ transactionLimits: LIMITS, modules: instrumentModules(modules, runs) });
  await b.t.action(internal.billing.sync.syncPlans, {});
  owner = await b.signUp("rita@example.com", "Rita Reconcile");
  usageOrg = await b.createOrg(owner, "Usage Co");
  upgradedOrg = await b.createOrg(owner, "Upgrade Co");
  lostOrgs = [await b.createOrg(owner, "Lost One"), await b.createOrg(owner, "Lost Two")];
  rowlessOrg = await b.createOrg(owner, "Rowless Co");
  await b.drainScheduled();
  // Provisioned by the org-created trigger; now let Autumn and the cache drift apart:
  await b.autumn.autumn.track({ customerId: usageOrg, featureId: "standard_messages", value: 7 });
  await b.autumn.autumn.billing.attach({ customerId: upgradedOrg, planId: "pro", noBillingChanges: true });
  for (const id of lostOrgs) {
    await b.autumn.autumn.customers.delete({ customerId: id, deleteInStripe: false });
    await deleteRow(id);
  }
  await deleteRow(rowlessOrg);
  // An invoice only customers.get can expand: the walk (list, no expand) must keep it.
  await b.t.run(async (ctx) => {
    const r = await ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", usageOrg)).unique();
    if (r) await ctx.db.patch(r._id, { invoices: [{ stripeId: "in_kept", planIds: ["free"], status: "paid", total: 0, currency: "usd", createdAt: 1, hostedInvoiceUrl: null }] });
  });
  // Thousands of customers that are not organizations of this app…
  await createBulkCustomers(BULK);
  // …of which the newest SEEDED have a cache row (an hour old, same plans), so
  // their pages are written in full batches of WRITE_BATCH rows.
  const newest = await b.autumn.autumn.customers.list({ limit: SEEDED });
  const hourAgo = Date.now() - 3_600_000;
  const seeded = newest.list.map((c) => customerToRow(c.id ?? "", c, new Map([["free", "Free"]]), hourAgo));
  expect(seeded.every((r) => r.organizationId.startsWith("bulk_"))).toBe(true);
  for (let i = 0; i < seeded.length; i += 500) {
    await b.t.run(async (ctx) => { for (const r of seeded.slice(i, i + 500)) await ctx.db.insert("billingCustomers", r); });
  }
}, 60_000);
afterAll(async () => { await b.close(); });

describe("daily reconcile", () => {
  it("is scheduled daily at 03:00 UTC", () => {
    expect(crons.crons["billing reconcile"]).toMatchObject({ name: "billing/reconcile:start", schedule: { type: "daily", hourUTC: 3, minuteUTC: 0 }, args: [{}] });
  });

  it("walks thousands of customers page by page within Autumn's and Convex's limits, refreshes orgs and provisions the missing", async () => {
    const before = { usage: await row(usageOrg), upgraded: await row(upgradedOrg) };
    await b.autumn.control("/sandbox/stats/reset");
    runs.length = 0;
    const t0 = Date.now();

    const started = await b.t.mutation(internal.billing.reconcile.start, { pageSize: PAGE_SIZE, pageDelayMs: 200 });
    expect(started.status).toBe("started");
    // Only one run at a time: a second start is a no-op.
    expect(await b.t.mutation(internal.billing.reconcile.start, {})).toEqual({ runId: started.runId, status: "already_running" });

    const run = await finishRun(started.runId);
    const elapsed = Date.now() - t0;
    const inAutumn = BULK + 3; // bulk + usageOrg + upgradedOrg + rowlessOrg (lostOrgs were deleted there)
    const pages = Math.ceil(inAutumn / PAGE_SIZE);
    expect(run).toMatchObject({
      state: "done", phase: "organizations", pages, customers: inAutumn,
      refreshed: 2 + SEEDED, skipped: BULK - SEEDED + 1, provisioned: 3, errors: 0, lastError: null,
    });

    // Autumn: exactly one list call per page, plus one get_or_create per provisioned org.
    const calls = await stats();
    expect(calls["customers.list"]).toBe(pages);
    expect(calls["customers.get_or_create"]).toBe(3);
    expect(calls["customers.get"] ?? 0).toBe(0);

    // Convex: per page one action, one context query, ⌈page/100⌉ write batches, one commit.
    const batches = Array.from({ length: pages }, (_, i) => Math.ceil(Math.min(PAGE_SIZE, inAutumn - i * PAGE_SIZE) / WRITE_BATCH)).reduce((a, n) => a + n, 0);
    expect({
      start: count("billing/reconcile:start"),
      customersPage: count("billing/reconcile:customersPage"),
      pageContext: count("billing/reconcile:pageContext"),
      applyBatch: count("billing/reconcile:applyBatch"),
      commitPage: count("billing/reconcile:commitPage"),
      pageFailed: count("billing/reconcile:pageFailed"),
      organizationsPage: count("billing/reconcile:organizationsPage"),
      provisionOrganization: count("billing/provisioning:provisionOrganization"),
    }).toEqual({
      start: 2, customersPage: pages, pageContext: pages, applyBatch: batches, commitPage: pages, pageFailed: 0,
      organizationsPage: Math.max(1, Math.ceil(5 / ORG_PAGE_SIZE)), provisionOrganization: 3,
    });

    // Every transaction stayed far below Convex's limits (which are also enforced).
    const transactions = runs.filter((r) => r.kind !== "action");
    const maxWritten = Math.max(...transactions.map((r) => r.written));
    const maxRead = Math.max(...transactions.map((r) => r.read));
    for (const r of transactions) expect(r.written, r.fn).toBeLessThanOrEqual(WRITE_BATCH);
    expect(maxWritten).toBe(WRITE_BATCH); // full batches really happened
    expect(maxRead).toBeLessThan(LIMITS.documentsRead / 10);
    const seededFresh = await b.t.run(async (ctx) =>
      (await ctx.db.query("billingCustomers").take(2_000)).filter((r) => r.organizationId.startsWith("bulk_") && r.syncedAt >= t0).length);
    expect(seededFresh).toBe(SEEDED);

    // Known orgs were refreshed from Autumn's current state (invoices the list cannot carry kept).
    const usage = await row(usageOrg);
    expect(usage?.syncedAt).toBeGreaterThan(before.usage?.syncedAt ?? Infinity);
    expect(usage?.balances.find((x) => x.featureId === "standard_messages")).toMatchObject({ usage: 7, remaining: 43 });
    expect(usage?.invoices.map((i) => i.stripeId)).toEqual(["in_kept"]);
    const upgraded = await row(upgradedOrg);
    expect(upgraded?.syncedAt).toBeGreaterThan(before.upgraded?.syncedAt ?? Infinity);
    expect(upgraded?.subscriptions.find((s) => s.planId === "pro")).toMatchObject({ planName: "Pro", status: "active" });
    // Orgs without billing were provisioned (and their Autumn customers exist again).
    for (const id of [...lostOrgs, rowlessOrg]) {
      expect((await row(id))?.subscriptions.map((s) => s.planId), id).toContain("free");
    }
    expect((await b.autumn.autumn.customers.get({ customerId: lostOrgs[0] ?? "" })).id).toBe(lostOrgs[0]);
    // Customers that are not organizations here were skipped, not cached.
    expect(await b.t.run(async (ctx) => (await ctx.db.query("billingCustomers").take(2_000)).length)).toBe(5 + SEEDED);

    console.info(`[reconcile] ${inAutumn} customers: ${pages} list calls, ${runs.length} Convex function runs ` +
      `(${(runs.filter((r) => r.fn.startsWith("billing/reconcile")).length / (inAutumn / 1000)).toFixed(1)} reconcile runs per 1k customers), ` +
      `max ${maxWritten} docs written / ${maxRead} read per transaction, longest function ${Math.max(...runs.map((r) => r.ms))} ms, ${elapsed} ms`);
  });

  it("a page failing mid-walk is retried from the same cursor with backoff and the run completes", async () => {
    await b.autumn.control("/sandbox/stats/reset");
    runs.length = 0;
    // The 1st list call passes (a 1 ms latency rule), the next 2 fail with 503, then all pass.
    await b.autumn.control("/sandbox/faults", { route: "customers.list", mode: "latency", latency_ms: 1, count: 1 });
    await b.autumn.control("/sandbox/faults", { route: "customers.list", mode: "error", status: 503, count: 2 });
    const started = await b.t.mutation(internal.billing.reconcile.start, { pageSize: PAGE_SIZE, pageDelayMs: 200 });
    expect(started.status).toBe("started");
    const run = await finishRun(started.runId);
    const inAutumn = BULK + 5;
    const pages = Math.ceil(inAutumn / PAGE_SIZE);
    expect(run).toMatchObject({ state: "done", pages, customers: inAutumn, refreshed: 5 + SEEDED, skipped: BULK - SEEDED, provisioned: 0, errors: 2 });
    expect(run.lastError).toMatch(/AUTUMN_UNAVAILABLE/);
    expect((await stats())["customers.list"]).toBe(pages + 2);
    expect(count("billing/reconcile:pageFailed")).toBe(2);
    expect(count("billing/reconcile:commitPage")).toBe(pages);
  });

  it("a run whose chain died is resumed from its cursor by the next start", async () => {
    await b.autumn.control("/sandbox/stats/reset");
    // A run left "running" two hours ago halfway through (no scheduled step is alive);
    // the runs of the tests above are moved to earlier days.
    const first = await b.autumn.autumn.customers.list({ limit: PAGE_SIZE });
    const now = Date.now();
    await b.t.run(async (ctx) => {
      for (const r of await ctx.db.query("billingReconcileRuns").take(10)) await ctx.db.patch(r._id, { startedAt: r.startedAt - 3 * 86_400_000 });
    });
    const runId = await b.t.run((ctx) => ctx.db.insert("billingReconcileRuns", {
      startedAt: now - 2 * 3_600_000, finishedAt: null, state: "running", cursor: first.nextCursor, pages: 1, customers: PAGE_SIZE,
      provisioned: 0, errors: 0, lastError: null, phase: "customers", orgCursor: null, step: 7, attempt: 0,
      refreshed: 0, skipped: PAGE_SIZE, pageSize: PAGE_SIZE, pageDelayMs: 200, updatedAt: now - 2 * 3_600_000,
    }));
    await b.autumn.control("/sandbox/stats/reset");
    expect(await b.t.mutation(internal.billing.reconcile.start, {})).toEqual({ runId, status: "resumed" });
    const run = await finishRun(runId);
    const inAutumn = BULK + 5;
    expect(run).toMatchObject({ state: "done", pages: Math.ceil(inAutumn / PAGE_SIZE), customers: inAutumn });
    expect((await stats())["customers.list"]).toBe(Math.ceil(inAutumn / PAGE_SIZE) - 1);
    expect((await latest())._id).toBe(runId);
  });
});
