// Shared helpers for the benchmarks: where results go, counting Autumn calls
// at the sandbox, counting and measuring Convex function runs, statistics.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BillingTest } from "../convex/billing/testing.helpers";

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

/** Each benchmark writes one JSON file; bench/run.ts turns them into the table. */
export function writeResult(name: string, data: unknown): void {
  const dir = process.env.BENCH_OUT ?? join(tmpdir(), "billing-bench");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(data, null, 2));
}

/** Progress goes to stderr; stdout is reserved for the table. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

// ── Autumn calls, counted by the sandbox ───────────────────────────────────

export type Calls = Record<string, number>;

/** GET /sandbox/stats: Autumn calls per route since the last reset. */
export async function sandboxCalls(b: BillingTest): Promise<Calls> {
  return ((await b.autumn.control("/sandbox/stats", undefined, "GET")) as { calls: Calls }).calls;
}
export async function resetCalls(b: BillingTest): Promise<void> {
  await b.autumn.control("/sandbox/stats/reset", {});
}
/**
 * The same counters, read in-process (the object /sandbox/stats serves), for
 * snapshots taken inside a running Convex function without a round trip.
 */
export function callsNow(b: BillingTest): Calls {
  return { ...b.autumn.sandbox.stats };
}
export const total = (calls: Calls): number => Object.values(calls).reduce((a, n) => a + n, 0);

/** Run `fn` and return how many Autumn calls it made (by route and in total). */
export async function countCalls<T>(b: BillingTest, fn: () => Promise<T>): Promise<{ value: T; calls: Calls; total: number }> {
  await resetCalls(b);
  const value = await fn();
  const calls = await sandboxCalls(b);
  return { value, calls, total: total(calls) };
}

// ── Convex function runs, counted and measured ─────────────────────────────


// Counting and measuring Convex function runs: `instrumentModules` in
// convex/billing/testing.helpers.ts (shared with reconcile.test.ts); the
// *.bench.ts files import it from there (this file must stay loadable in
// plain Node by run.ts).

// ── statistics and timing ──────────────────────────────────────────────────

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Run scheduled Convex work that is due within `horizonMs`, until none is left. */
export async function settleScheduled(b: BillingTest, timeoutMs = 30_000, horizonMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await b.t.finishInProgressScheduledFunctions();
    const busy = (await b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect()))
      .filter((j) => (j.state.kind === "pending" || j.state.kind === "inProgress") && j.scheduledTime < Date.now() + horizonMs);
    if (busy.length === 0) return;
    if (Date.now() > until) throw new Error(`scheduled work did not settle: ${busy.map((j) => j.name).join(", ")}`);
    await sleep(25);
  }
}
