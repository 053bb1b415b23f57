// The crash suite: the metered flow stopped at every step (after claim,
// during reserve, after reserve, after work, during confirm) × 100 operations
// each, then the sweeper: Autumn's usage equals the works that ran, no lock is
// left held, nothing is counted twice. Plus reserve timeouts whose lock the
// server created after the client gave up (released by the sweeper, units
// back), and a key retried after its lock expired while the confirm was
// pending (the work does not run twice). Real autumn-js against the sandbox;
// the sweeper is driven with an explicit clock (`now`), never a sleep.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { internal } from "../../_generated/api";
import { withMeteredUsage } from "../meteredUsage";
import { startBillingTest, type BillingTest, type TestUser } from "../testing.helpers";
import { CRASH_POINTS, setCrashHook, type CrashPoint } from "./crash";
import { CHECK_HORIZON_MS, LOCK_TTL_MS, RESERVE_TIMEOUT_MS, SWEEP_INTERVAL_MS } from "./machine";

const FEATURE = "standard_messages";
const OPS = 100;
let b: BillingTest;
let owner: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  await b.t.action(internal.billing.sync.syncPlans, {});
  owner = await b.signUp("crash@example.com", "Cass Crash");
});
afterAll(async () => { await b.close(); });
afterEach(async () => {
  setCrashHook(null);
  delete process.env.AUTUMN_TIMEOUT_MS;
  await b.autumn.control("/sandbox/faults", undefined, "DELETE");
});

async function newOrg(name: string, remaining: number): Promise<string> {
  const orgId = await b.createOrg(owner, name);
  await b.drainScheduled();
  await b.autumn.autumn.balances.update({ customerId: orgId, featureId: FEATURE, includedGrant: remaining, usage: 0 } as never);
  await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId });
  return orgId;
}
async function autumnBalance(orgId: string) {
  const c = await b.autumn.autumn.customers.get({ customerId: orgId });
  const bal = c.balances[FEATURE];
  return { remaining: bal?.remaining, usage: bal?.usage };
}
function heldLocks(orgId: string): string[] {
  const locks = (b.autumn.sandbox as unknown as { store: { state: { locks: Record<string, { customer_id: string; status: string; lock_id: string }> } } }).store.state.locks;
  return Object.values(locks).filter((l) => l.customer_id === orgId && l.status === "held").map((l) => l.lock_id);
}
async function rows(orgId: string) {
  return b.t.run((ctx) => ctx.db.query("billingReservations").filter((q) => q.eq(q.field("organizationId"), orgId)).collect());
}
async function ledger(orgId: string): Promise<number> {
  const days = await b.t.run((ctx) => ctx.db.query("billingUsageDays").filter((q) => q.eq(q.field("organizationId"), orgId)).collect());
  return days.filter((d) => d.featureId === FEATURE).reduce((s, d) => s + d.units, 0);
}
/** Sweep at `now` until nothing moves. */
async function sweepAll(now: number): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const counts = await b.t.action(internal.billing.reservations.sweeper.sweep, { now });
    await b.drainScheduled();
    if (counts.done === 0) return;
  }
}

describe("crash at every step × 100, then the sweeper", () => {
  it("usage = works that ran, no lock held, nothing counted twice", { timeout: 120_000 }, async () => {
    const orgId = await newOrg("Crash Co", 10_000);
    const ran: Record<CrashPoint, number> = { after_claim: 0, during_reserve: 0, after_reserve: 0, after_work: 0, during_confirm: 0 };
    const crashed: Record<CrashPoint, number> = { ...ran };
    // Each op crashes at its own point; during_confirm alternates before/after the finalize reaches Autumn.
    setCrashHook((point, lockId, phase) => {
      const target = CRASH_POINTS.find((p) => lockId.includes(`:${p}-`));
      if (target !== point) return false;
      if (point === "during_confirm") {
        const i = Number(lockId.split("-").at(-1));
        if ((i % 2 === 0 ? "before" : "after") !== phase) return false;
      }
      crashed[point] += 1;
      return true;
    });
    const started = Date.now();
    for (const point of CRASH_POINTS) {
      await b.t.action(async (ctx) => {
        let next = 0;
        await Promise.all(Array.from({ length: 10 }, async () => {
          while (next < OPS) {
            const i = next++;
            await withMeteredUsage(ctx, { organizationId: orgId, featureId: FEATURE, idempotencyKey: `${point}-${i}`, lease: false }, async () => { ran[point] += 1; })
              .catch((err: unknown) => { if (!(err instanceof Error && err.name === "CrashError") && !String(err).includes("CrashError")) throw err; });
          }
        }));
      });
    }
    await b.drainScheduled(); // the background settlers (the during_confirm ones crash)
    expect(crashed).toEqual({ after_claim: OPS, during_reserve: OPS, after_reserve: OPS, after_work: OPS, during_confirm: OPS });
    expect(ran).toEqual({ after_claim: 0, during_reserve: 0, after_reserve: 0, after_work: OPS, during_confirm: OPS });
    setCrashHook(null);

    const before = await rows(orgId);
    const byState = (list: typeof before) => list.reduce<Record<string, number>>((m, r) => ({ ...m, [r.state]: (m[r.state] ?? 0) + 1 }), {});
    // Every crash left a row that says what is owed.
    expect(byState(before)).toEqual({ claimed: OPS, reserving: OPS, reserved: OPS, settled: OPS, work_done: OPS });

    // Nothing is swept while its action may still be alive…
    expect(await b.t.action(internal.billing.reservations.sweeper.sweep, { now: started })).toMatchObject({ done: 0 });
    // …and everything is, once the sweeper's clock is past the timeouts and the locks' expiry.
    await sweepAll(Date.now() + LOCK_TTL_MS + CHECK_HORIZON_MS);
    const after = await rows(orgId);
    expect(byState(after)).toEqual({ released: 3 * OPS, settled: 2 * OPS });
    expect(after.filter((r) => r.state === "settled").every((r) => r.outcome === "confirmed")).toBe(true);
    const works = Object.values(ran).reduce((s, n) => s + n, 0);
    expect(await autumnBalance(orgId)).toEqual({ remaining: 10_000 - works, usage: works });
    expect(heldLocks(orgId)).toEqual([]);
    expect(await ledger(orgId)).toBe(works);
    const events = await b.autumn.autumn.events.list({ customerId: orgId, featureId: FEATURE, limit: 1000 } as never);
    expect((events as { list: unknown[] }).list).toHaveLength(works);
  });
});

describe("reserve timeouts", () => {
  it("a check the client gave up on creates its lock server-side; the sweeper releases it in Autumn within its interval and the units come back", { timeout: 60_000 }, async () => {
    const orgId = await newOrg("Slow Co", 100);
    process.env.AUTUMN_TIMEOUT_MS = "100";
    // Every attempt (the first and the client's retries) is slower than the client waits.
    await b.autumn.control("/sandbox/faults", { route: "balances.check", mode: "latency", latency_ms: 250, count: 20 });
    const outcomes = await b.t.action(async (ctx) => Promise.all([0, 1, 2, 3, 4].map((i) =>
      withMeteredUsage(ctx, { organizationId: orgId, featureId: FEATURE, units: 2, idempotencyKey: `slow-${i}`, lease: false }, async () => "ran")
        .catch((err: unknown) => String((err as { data?: { code?: string } }).data?.code ?? err)))));
    expect(outcomes).toEqual(Array.from({ length: 5 }, () => "AUTUMN_UNAVAILABLE"));
    delete process.env.AUTUMN_TIMEOUT_MS;
    // The server carried the checks out after the client left: 5 locks of 2 units hold 10.
    const until = Date.now() + 10_000;
    while (heldLocks(orgId).length < 5 && Date.now() < until) await new Promise((r) => setImmediate(r));
    expect(heldLocks(orgId)).toHaveLength(5);
    expect(await autumnBalance(orgId)).toMatchObject({ remaining: 90 });
    const open = await rows(orgId);
    expect(open.map((r) => r.state)).toEqual(Array.from({ length: 5 }, () => "reserve_unknown"));

    // The first sweep after the reserve timeout releases every lock by its id.
    const createdAt = Math.max(...open.map((r) => r.createdAt));
    await sweepAll(createdAt + RESERVE_TIMEOUT_MS + SWEEP_INTERVAL_MS);
    expect(heldLocks(orgId)).toEqual([]);
    expect(await autumnBalance(orgId)).toEqual({ remaining: 100, usage: 0 });
    expect((await rows(orgId)).map((r) => r.state)).toEqual(Array.from({ length: 5 }, () => "released"));
  });
});

describe("a key retried after its lock expired while its confirm is pending", () => {
  it("does not run the work twice; the sweeper bills it once with a track", { timeout: 60_000 }, async () => {
    const orgId = await newOrg("Expired Co", 100);
    await b.autumn.control("/sandbox/faults", { route: "balances.finalize", mode: "error", status: 500, count: 1000 });
    let runs = 0;
    const args = { organizationId: orgId, featureId: FEATURE, idempotencyKey: "once", lease: false };
    await b.t.action((ctx) => withMeteredUsage(ctx, args, async () => { runs += 1; }));
    await b.drainScheduled();
    expect((await rows(orgId)).map((r) => r.state)).toEqual(["work_done"]);
    // Autumn's clock passes the lock's expiry: the lock is released by Autumn itself.
    await b.autumn.control("/sandbox/clock/advance", { ms: LOCK_TTL_MS + 1_000, customer_id: orgId });
    expect(await autumnBalance(orgId)).toMatchObject({ remaining: 100 });
    const retry = await b.t.action((ctx) => withMeteredUsage(ctx, args, async () => { runs += 1; }).catch((err: unknown) => (err as { data?: unknown }).data));
    expect(retry).toMatchObject({ code: "CONFLICT", duplicate: true });
    expect(runs).toBe(1);
    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    await sweepAll(Date.now() + LOCK_TTL_MS + CHECK_HORIZON_MS);
    expect((await rows(orgId)).map((r) => [r.state, r.outcome])).toEqual([["settled", "tracked"]]);
    expect(await autumnBalance(orgId)).toEqual({ remaining: 99, usage: 1 });
    expect(heldLocks(orgId)).toEqual([]);
  });
});
