// (b) The daily reconcile (convex/billing/reconcile.ts `start`, what the cron
// runs) over N organizations that all have an Autumn customer and a cache row,
// with Convex's per-transaction limits enforced and every billing function run
// counted and measured (documents read/written from convex-test's transaction
// metrics). Seeding is done in-process because creating 10k customers over
// HTTP would dominate the run: the organizations are inserted straight into
// better-auth's component table, the customers with the sandbox's own
// customers.ts createCustomer on `sandbox.ctx`, the cache rows (an hour old)
// from one customers.list walk. The reconcile itself then runs for real:
// scheduled steps on real timers, the real autumn-js client, the sandbox over
// HTTP. Steps are paced at MIN_LIST_INTERVAL_MS = 200 ms, Autumn's published
// customers.list limit (bench/autumn-limits.ts); the cron's default is 1 s.
//
// The naive baseline is one customers.get per customer and one write of its
// row: an action calling Autumn with the module's own client (callAutumn,
// the same expand as a sync) and the module's applyCustomerSync mutation, run
// on a sample of the organizations to count its calls and function runs per
// customer; its time at Autumn's published customers.get limits is computed
// in table.ts.
//
// Sizes: BENCH_RECONCILE_SIZES (default 1000,10000). A size the default does
// not measure (100k) is saved to bench/measured/reconcile-<N>.json with the
// hash of reconcile.ts, and later default runs report it as measured (with
// its date) for as long as reconcile.ts is unchanged.
import type { DataModelFromSchemaDefinition, GenericMutationCtx } from "convex/server";
import { expect, it } from "vitest";
import { internal } from "../convex/_generated/api";
import type authSchema from "../convex/betterAuth/schema";
import type { Doc, Id } from "../convex/_generated/dataModel";
import { callAutumn } from "../convex/billing/autumn";
import { customerToRow } from "../convex/billing/mapping";
import { CUSTOMER_EXPAND } from "../convex/billing/sync";
import { DEFAULT_PAGE_DELAY_MS, MIN_LIST_INTERVAL_MS, ORG_PAGE_SIZE } from "../convex/billing/reconcile";
import { startBillingTest, type BillingTest } from "../convex/billing/testing.helpers";
import { modules } from "../convex/test.setup";
import { createCustomer } from "../packages/autumn-sandbox/src/customers";
import { instrumentModules as instrument, type FunctionRun } from "../convex/billing/testing.helpers";
import { CUSTOMERS_GET_LIMITS, CUSTOMERS_LIST_LIMIT, msPerCall } from "./autumn-limits";
import { progress, resetCalls, sandboxCalls, sleep, total, writeResult } from "./lib";
import { loadMeasurements, saveMeasurement } from "./saved-measurements";

const DEFAULT_SIZES = [1_000, 10_000];
const SIZES = process.env.BENCH_RECONCILE_SIZES ? process.env.BENCH_RECONCILE_SIZES.split(",").map(Number) : DEFAULT_SIZES;
const PAGE_SIZE = 1_000;
const LIMITS = { documentsRead: 16_384, documentsWritten: 8_192 };
const NAIVE_SAMPLE = 100;
/** What a saved measurement depends on: the module's reconcile. */
const SOURCES = ["convex/billing/reconcile.ts"];

interface Measured {
  n: number;
  pages: number;
  autumnCalls: Record<string, number>;
  autumnTotal: number;
  functionRuns: number;
  runsByFunction: Record<string, number>;
  maxRead: { docs: number; fn: string };
  maxWritten: { docs: number; fn: string };
  /** Documents read / written, summed per function (for the harness-index comparison). */
  readByFunction: Record<string, number>;
  writtenByFunction: Record<string, number>;
  longestFunctionMs: number;
  wallMs: number;
  customersPhaseMs: number;
  organizationsPhaseMs: number;
  orgPages: number;
  run: { state: string; customers: number; refreshed: number; skipped: number; provisioned: number; errors: number };
  seedMs: number;
  naive?: { sample: number; calls: Record<string, number>; autumnCallsPerCustomer: number; functionRunsPerCustomer: number; maxRead: number; maxWritten: number; workMsPerCustomer: number };
}

/** convex-test runs a function inside an installed component (not in its published types). */
type AuthCtx = GenericMutationCtx<DataModelFromSchemaDefinition<typeof authSchema>>;
function runInAuthComponent<T>(b: BillingTest, fn: (ctx: AuthCtx) => Promise<T>): Promise<T> {
  return (b.t as unknown as { runInComponent(path: string, fn: (ctx: AuthCtx) => Promise<T>): Promise<T> }).runInComponent("betterAuth", fn);
}

async function seed(b: BillingTest, n: number): Promise<string[]> {
  const ids: string[] = [];
  // Organizations, straight into better-auth's table (what sign-up + create org would leave there).
  for (let i = 0; i < n; i += 2_000) {
    const batch = await runInAuthComponent(b, async (ctx) => {
      const out: string[] = [];
      for (let j = i; j < Math.min(n, i + 2_000); j++) {
        out.push(await ctx.db.insert("organization", { name: `Org ${j}`, slug: `org-${j}`, createdAt: Date.now() }));
      }
      return out;
    });
    ids.push(...batch);
  }
  // Their Autumn customers, created by the sandbox's own code (free plan attached).
  // (In chunks, yielding in between: a long synchronous stretch would let the sandbox's
  // keep-alive timer close a socket the client is about to reuse.)
  const sctx = b.autumn.sandbox.ctx;
  for (const [j, id] of ids.entries()) {
    createCustomer(sctx, { customer_id: id, name: `Org ${j}` });
    if (j % 2_000 === 1_999) await sleep(1);
  }
  await sleep(50);
  // Their cache rows, an hour old, from Autumn's own answers.
  const hourAgo = Date.now() - 3_600_000;
  const names = new Map([["free", "Free"]]);
  let cursor: string | null = "";
  const rows: ReturnType<typeof customerToRow>[] = [];
  while (cursor !== null) {
    const page: { list: Array<Parameters<typeof customerToRow>[1]>; nextCursor: string | null } =
      await b.autumn.autumn.customers.list({ limit: 5_000, startCursor: cursor });
    for (const c of page.list) rows.push(customerToRow(c.id ?? "", c, names, hourAgo));
    cursor = page.nextCursor;
    await sleep(1);
  }
  expect(rows.length).toBe(n);
  for (let i = 0; i < rows.length; i += 1_000) {
    await b.t.run(async (ctx) => { for (const r of rows.slice(i, i + 1_000)) await ctx.db.insert("billingCustomers", r); });
    await sleep(1);
  }
  // Let idle keep-alive sockets close cleanly before the next request.
  await sleep(250);
  return ids;
}

async function runOnce(n: number, withNaive: boolean): Promise<Measured> {
  const runs: FunctionRun[] = [];
  const b = await startBillingTest({ transactionLimits: LIMITS, modules: instrument(modules, runs) });
  try {
    await b.t.action(internal.billing.sync.syncPlans, {});
    progress(`reconcile N=${n}: seeding`);
    const s0 = Date.now();
    const ids = await seed(b, n);
    const seedMs = Date.now() - s0;
    progress(`reconcile N=${n}: seeded in ${(seedMs / 1000).toFixed(1)} s; running reconcile.start`);

    await resetCalls(b);
    runs.length = 0;
    const t0 = performance.now();
    const started = await b.t.mutation(internal.billing.reconcile.start, { pageSize: PAGE_SIZE, pageDelayMs: MIN_LIST_INTERVAL_MS });
    let customersDoneAt: number | null = null;
    let run: Doc<"billingReconcileRuns"> | null = null;
    let lastLog = Date.now();
    for (;;) {
      await b.t.finishInProgressScheduledFunctions();
      run = await b.t.run((ctx) => ctx.db.get(started.runId as Id<"billingReconcileRuns">));
      if (customersDoneAt === null && run && run.phase === "organizations") customersDoneAt = performance.now();
      if (run && run.state !== "running") {
        const busy = (await b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect()))
          .filter((j) => j.state.kind === "pending" || j.state.kind === "inProgress");
        if (busy.length === 0) break;
      }
      if (Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        progress(`reconcile N=${n}: ${run?.phase} phase, ${run?.customers ?? 0} customers, ${runs.length} function runs`);
      }
      await sleep(10);
    }
    const wallMs = performance.now() - t0;
    const calls = await sandboxCalls(b);
    const tx = runs.filter((r) => r.kind !== "action");
    const maxRead = tx.reduce((m, r) => (r.read > m.docs ? { docs: r.read, fn: r.fn } : m), { docs: 0, fn: "" });
    const maxWritten = tx.reduce((m, r) => (r.written > m.docs ? { docs: r.written, fn: r.fn } : m), { docs: 0, fn: "" });
    const runsByFunction: Record<string, number> = {};
    const readByFunction: Record<string, number> = {};
    const writtenByFunction: Record<string, number> = {};
    for (const r of runs) {
      runsByFunction[r.fn] = (runsByFunction[r.fn] ?? 0) + 1;
      readByFunction[r.fn] = (readByFunction[r.fn] ?? 0) + r.read;
      writtenByFunction[r.fn] = (writtenByFunction[r.fn] ?? 0) + r.written;
    }
    const out: Measured = {
      n,
      pages: run?.pages ?? 0,
      autumnCalls: calls,
      autumnTotal: total(calls),
      functionRuns: runs.length,
      runsByFunction,
      maxRead,
      maxWritten,
      readByFunction,
      writtenByFunction,
      longestFunctionMs: Math.max(...runs.map((r) => r.ms)),
      wallMs,
      customersPhaseMs: (customersDoneAt ?? t0) - t0,
      organizationsPhaseMs: performance.now() - (customersDoneAt ?? t0),
      orgPages: runsByFunction["billing/reconcile:organizationsPage"] ?? 0,
      run: { state: run?.state ?? "?", customers: run?.customers ?? 0, refreshed: run?.refreshed ?? 0, skipped: run?.skipped ?? 0, provisioned: run?.provisioned ?? 0, errors: run?.errors ?? 0 },
      seedMs,
    };
    expect(out.run).toMatchObject({ state: "done", customers: n, refreshed: n, provisioned: 0, errors: 0 });
    progress(`reconcile N=${n}: ${out.autumnTotal} Autumn calls, ${out.functionRuns} function runs, max read ${maxRead.docs} (${maxRead.fn}), max written ${maxWritten.docs} (${maxWritten.fn}), ${(wallMs / 1000).toFixed(1)} s`);

    if (withNaive) {
      // The naive baseline on a sample: one customers.get (+ one write) per customer, back to back.
      await resetCalls(b);
      runs.length = 0;
      const sample = ids.slice(0, NAIVE_SAMPLE);
      const n0 = performance.now();
      for (const organizationId of sample) {
        const changed = await b.t.action(async (ctx) => {
          const fetchedAt = Date.now();
          const customer = await callAutumn("customers.get", (c, o) => c.customers.get({ customerId: organizationId, expand: [...CUSTOMER_EXPAND] }, o));
          return ctx.runMutation(internal.billing.sync.applyCustomerSync, { row: customerToRow(organizationId, customer, new Map([["free", "Free"]]), fetchedAt) });
        });
        expect(changed).toBe(true);
      }
      const workMs = performance.now() - n0;
      const naiveTx = runs.filter((r) => r.kind !== "action");
      const naiveCalls = await sandboxCalls(b);
      out.naive = {
        sample: sample.length,
        calls: naiveCalls,
        autumnCallsPerCustomer: total(naiveCalls) / sample.length,
        // + 1: the action per org is the bench's own (inline), so the instrumentation does not see it.
        functionRunsPerCustomer: runs.length / sample.length + 1,
        maxRead: Math.max(...naiveTx.map((r) => r.read)),
        maxWritten: Math.max(...naiveTx.map((r) => r.written)),
        workMsPerCustomer: workMs / sample.length,
      };
      progress(`reconcile naive sample: ${JSON.stringify(out.naive)}`);
    }
    return out;
  } finally {
    await b.close();
  }
}

// About 25 s per 10k organizations here, seeding included. Larger N grows
// faster than linearly in convex-test (each organizations page sorts the whole
// organization table: ~3 s a page at 100k on a busy 2-core machine, 401 pages),
// hence 20 ms per organization on top of the 120 s base.
const TIMEOUT_MS = 120_000 + SIZES.reduce((a, n) => a + n, 0) * 20;

it("daily reconcile at scale", { timeout: TIMEOUT_MS }, async () => {
  // The module paces list calls at exactly Autumn's published customers.list limit.
  expect(MIN_LIST_INTERVAL_MS).toBe(msPerCall(CUSTOMERS_LIST_LIMIT));
  const measured: Measured[] = [];
  for (const [i, n] of SIZES.entries()) {
    const m = await runOnce(n, i === 0);
    measured.push(m);
    if (!DEFAULT_SIZES.includes(n) && process.env.BENCH_FAST_INDEX !== "0") {
      const file = saveMeasurement("reconcile", n, SOURCES, `BENCH_RECONCILE_SIZES=${SIZES.join(",")} pnpm bench reconcile`, m);
      progress(`reconcile N=${n}: saved to ${file}`);
    }
  }
  // Sizes measured earlier (bench/measured/) that this run did not measure.
  const saved = loadMeasurements<Measured>("reconcile", SOURCES, progress)
    .filter((s) => !measured.some((m) => m.n === s.n))
    .map((s) => ({ measuredAt: s.measuredAt, machine: s.machine, command: s.command, result: s.result }));
  writeResult("reconcile", {
    measured,
    saved,
    pageSize: PAGE_SIZE,
    pacingMs: MIN_LIST_INTERVAL_MS,
    defaultPacingMs: DEFAULT_PAGE_DELAY_MS,
    orgPageSize: ORG_PAGE_SIZE,
    autumnLimits: { customersList: CUSTOMERS_LIST_LIMIT, customersGet: CUSTOMERS_GET_LIMITS },
    limits: LIMITS,
    fastIndex: process.env.BENCH_FAST_INDEX !== "0",
  });
});
