// Leases: a feature with headroom reserves a block under one lock and calls
// spend it locally (no Autumn round trip before their work); exactness holds
// (every unit spent is held by Autumn; a balance of 50 is never leased), a
// failed work gives its unit back to the lease, and closing a lease confirms
// exactly what was spent (override_value) and gives the rest back.
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../../_generated/api";
import { withMeteredUsage } from "../meteredUsage";
import { startBillingTest, type BillingTest, type TestUser } from "../testing.helpers";
import { LEASE_BLOCK, LEASE_HEAT_CALLS, LEASE_MAX_BLOCK, LEASE_MIN_HEADROOM, leaseBlockFor } from "./lease";
import { SETTLE_RETRY_DELAYS_MS, settleWorkDone } from "./settle";

const FEATURE = "standard_messages";
let b: BillingTest;
let owner: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  await b.t.action(internal.billing.sync.syncPlans, {});
  owner = await b.signUp("lease@example.com", "Lee Lease");
});
afterAll(async () => { await b.close(); });

async function newOrg(name: string, granted: number | null): Promise<string> {
  const orgId = await b.createOrg(owner, name);
  await b.drainScheduled();
  if (granted !== null) {
    await b.autumn.autumn.balances.update({ customerId: orgId, featureId: FEATURE, includedGrant: granted, usage: 0 } as never);
    await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId });
  }
  return orgId;
}
async function autumnBalance(orgId: string) {
  const bal = (await b.autumn.autumn.customers.get({ customerId: orgId })).balances[FEATURE];
  return { remaining: bal?.remaining, usage: bal?.usage };
}
function heldLocks(orgId: string): number {
  const locks = (b.autumn.sandbox as unknown as { store: { state: { locks: Record<string, { customer_id: string; status: string }> } } }).store.state.locks;
  return Object.values(locks).filter((l) => l.customer_id === orgId && l.status === "held").length;
}
const rows = (orgId: string) => b.t.run((ctx) => ctx.db.query("billingReservations").filter((q) => q.eq(q.field("organizationId"), orgId)).collect());
async function ledger(orgId: string): Promise<number> {
  const days = await b.t.run((ctx) => ctx.db.query("billingUsageDays").filter((q) => q.eq(q.field("organizationId"), orgId)).collect());
  return days.reduce((s, d) => s + d.units, 0);
}
/**
 * Close every lease and drive its settlement to the end, explicitly: a lease the scheduled close already moved to
 * work_done (its take window can end mid-test on a loaded machine) is settled here too, not waited for.
 */
async function closeAllLeases(orgId: string): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const open = (await rows(orgId)).filter((r) => r.leaseSlot && (r.state === "reserved" || r.state === "work_done"));
    if (open.length === 0) return;
    for (const lease of open) {
      if (lease.state === "reserved") await b.t.action(internal.billing.reservations.leasing.closeLease, { lockId: lease.lockId });
      else await b.t.action(internal.billing.reservations.settle.settleOne, { lockId: lease.lockId, attempt: SETTLE_RETRY_DELAYS_MS.length });
    }
    await b.drainScheduled();
  }
  throw new Error("leases did not settle");
}
async function run(orgId: string, n: number, concurrency: number, prefix: string, work: (i: number) => Promise<void> = async () => {}) {
  return b.t.action(async (ctx) => {
    let next = 0;
    const out = { ok: 0, codes: [] as string[] };
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        try {
          await withMeteredUsage(ctx, { organizationId: orgId, featureId: FEATURE, idempotencyKey: `${prefix}-${i}` }, () => work(i));
          out.ok += 1;
        } catch (err) {
          out.codes.push(err instanceof ConvexError ? String((err.data as { code: string }).code) : String(err));
        }
      }
    }));
    return out;
  });
}

describe("leases", () => {
  it("a lease's block grows with the headroom (all 8 blocks at most an eighth of what remains), from LEASE_BLOCK to LEASE_MAX_BLOCK", () => {
    expect(LEASE_MIN_HEADROOM).toBe(3_200);
    expect(leaseBlockFor({ unlimited: false, remaining: 3_200 })).toBe(LEASE_BLOCK);
    expect(leaseBlockFor({ unlimited: false, remaining: 10_000 })).toBe(156);
    expect(leaseBlockFor({ unlimited: false, remaining: 1_000_000 })).toBe(LEASE_MAX_BLOCK);
    expect(leaseBlockFor({ unlimited: true, remaining: 0 })).toBe(LEASE_MAX_BLOCK);
  });

  it("a quiet feature opens no lease: fewer than LEASE_HEAT_CALLS recent calls each reserve alone (one check, one finalize)", { timeout: 30_000 }, async () => {
    const orgId = await newOrg("Quiet Co", 100_000);
    await b.autumn.control("/sandbox/stats/reset", {});
    expect(await run(orgId, LEASE_HEAT_CALLS, 1, "quiet")).toEqual({ ok: LEASE_HEAT_CALLS, codes: [] });
    await b.drainScheduled();
    expect((await rows(orgId)).filter((r) => r.leaseSlot)).toEqual([]);
    const calls = ((await b.autumn.control("/sandbox/stats", undefined, "GET")) as { calls: Record<string, number> }).calls;
    expect([calls["balances.check"], calls["balances.finalize"]]).toEqual([LEASE_HEAT_CALLS, LEASE_HEAT_CALLS]);
    expect(await autumnBalance(orgId)).toEqual({ remaining: 100_000 - LEASE_HEAT_CALLS, usage: LEASE_HEAT_CALLS });
  });

  it("no lease whose held units would carry the usage across an owner's alert (it would fire early)", { timeout: 30_000 }, async () => {
    const orgId = await newOrg("Alert Co", 10_000);
    // 10,000 left: blocks of 156, up to 8 of them held = 1,248 units (12.5 %); an alert at 10 % used is within reach, so no lease.
    await b.as(owner, orgId).action(api.billing.controlsApi.setUsageAlerts, { alerts: [{ featureId: FEATURE, thresholdType: "usage_percentage", threshold: 10 }] });
    expect(await run(orgId, 20, 1, "alert")).toEqual({ ok: 20, codes: [] });
    await b.drainScheduled();
    expect((await rows(orgId)).filter((r) => r.leaseSlot)).toEqual([]);
    expect(await autumnBalance(orgId)).toEqual({ remaining: 10_000 - 20, usage: 20 });
  });

  it("a lease running low opens the shard's next lease while its call works: once busy, no call reserves alone", { timeout: 60_000 }, async () => {
    const orgId = await newOrg("Refill Co", 10_000);
    const result = await run(orgId, 300, 1, "refill");
    expect(result).toEqual({ ok: 300, codes: [] });
    const all = await rows(orgId);
    const ops = all.filter((r) => !r.leaseSlot);
    // Only the calls before the feature was busy reserved alone (the last of them opened the first lease).
    expect(ops.filter((r) => !r.leaseLockId)).toHaveLength(LEASE_HEAT_CALLS + 1);
    expect(all.filter((r) => r.leaseSlot).length).toBeGreaterThanOrEqual(3); // 300 calls spanned several blocks
    await closeAllLeases(orgId);
    expect(await autumnBalance(orgId)).toEqual({ remaining: 10_000 - 300, usage: 300 });
    expect(heldLocks(orgId)).toBe(0);
    expect(await ledger(orgId)).toBe(300);
  });

  it("with headroom, most calls need no Autumn call before the work; usage is exact after the leases settle", { timeout: 60_000 }, async () => {
    const orgId = await newOrg("Lease Co", 100_000);
    await b.autumn.control("/sandbox/stats/reset", {});
    let works = 0;
    const result = await run(orgId, 200, 20, "lease", async () => { works += 1; });
    expect(result).toEqual({ ok: 200, codes: [] });
    expect(works).toBe(200);
    const calls = ((await b.autumn.control("/sandbox/stats", undefined, "GET")) as { calls: Record<string, number> }).calls;
    // Far fewer checks than calls: each lease's check covers LEASE_BLOCK calls.
    expect(calls["balances.check"] ?? 0).toBeLessThan(120);
    const leased = (await rows(orgId)).filter((r) => r.leaseLockId).length;
    expect(leased).toBeGreaterThanOrEqual(100);
    await closeAllLeases(orgId);
    expect(await autumnBalance(orgId)).toEqual({ remaining: 100_000 - 200, usage: 200 });
    expect(heldLocks(orgId)).toBe(0);
    expect(await ledger(orgId)).toBe(200);
    const all = await rows(orgId);
    expect(all.filter((r) => !r.leaseSlot).every((r) => r.state === "settled")).toBe(true);
    expect(all.filter((r) => r.leaseSlot).every((r) => r.state === "settled" || r.state === "released")).toBe(true);
    for (const lease of all.filter((r) => r.leaseSlot)) expect(lease.units).toBe(LEASE_MAX_BLOCK); // 100,000 left: the largest block
  });

  it("200 concurrent calls on a balance of exactly 50 run exactly 50 works (no lease without headroom)", { timeout: 60_000 }, async () => {
    const orgId = await newOrg("Tight Co", null);
    let works = 0;
    const result = await run(orgId, 200, 200, "tight", async () => { works += 1; });
    expect(result.ok).toBe(50);
    expect(works).toBe(50);
    expect(result.codes.every((c) => c === "QUOTA_EXCEEDED")).toBe(true);
    await b.drainScheduled();
    expect(await autumnBalance(orgId)).toEqual({ remaining: 0, usage: 50 });
    expect((await rows(orgId)).some((r) => r.leaseSlot)).toBe(false);
  });

  it("a leased call whose work fails gives its unit back to the lease; the lease confirms only what was spent", { timeout: 60_000 }, async () => {
    const orgId = await newOrg("Fail Lease Co", 100_000);
    const result = await run(orgId, 60, 4, "mixed", async (i) => { if (i % 3 === 0) throw new Error("work failed"); });
    expect(result.ok).toBe(40);
    await closeAllLeases(orgId);
    expect(await autumnBalance(orgId)).toEqual({ remaining: 100_000 - 40, usage: 40 });
    expect(heldLocks(orgId)).toBe(0);
    expect(await ledger(orgId)).toBe(40);
  });
});

describe("lease settlement", () => {
  it("a leased operation the sweeper listed before its lease closed is not billed again from that stale row", { timeout: 30_000 }, async () => {
    const orgId = await newOrg("Stale Co", 100_000);
    expect(await run(orgId, LEASE_HEAT_CALLS + 5, 1, "stale")).toMatchObject({ ok: LEASE_HEAT_CALLS + 5 });
    await b.drainScheduled();
    const stale = (await rows(orgId)).find((r) => r.leaseLockId && r.state === "work_done");
    if (!stale) throw new Error("expected a leased operation waiting for its lease");
    await closeAllLeases(orgId); // the lease's confirm bills it, and settles the row
    expect(await b.t.action((ctx) => settleWorkDone(ctx, stale))).toBe("skipped");
    await b.drainScheduled();
    expect(await autumnBalance(orgId)).toEqual({ remaining: 100_000 - (LEASE_HEAT_CALLS + 5), usage: LEASE_HEAT_CALLS + 5 });
  });

  it("a lease settlement Autumn refuses schedules one retry per failure, not two", { timeout: 60_000 }, async () => {
    const orgId = await newOrg("Retry Co", 100_000);
    expect(await run(orgId, LEASE_HEAT_CALLS + 3, 1, "retry")).toMatchObject({ ok: LEASE_HEAT_CALLS + 3 });
    await b.drainScheduled();
    const lease = (await rows(orgId)).find((r) => r.leaseSlot && r.state === "reserved");
    if (!lease) throw new Error("expected an open lease");
    await b.autumn.control("/sandbox/faults", { route: "balances.finalize", mode: "error", status: 500, count: 1000 });
    try {
      const retries = async () => (await b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect()))
        .filter((j) => j.name.includes("settleOne") && j.state.kind === "pending" && (j.args[0] as { lockId?: string }).lockId === lease.lockId).length;
      await b.t.action(internal.billing.reservations.leasing.closeLease, { lockId: lease.lockId });
      expect(await retries()).toBe(1);
      await b.t.action(internal.billing.reservations.settle.settleOne, { lockId: lease.lockId, attempt: 1 });
      expect(await retries()).toBe(2); // the first, still waiting, and this failure's own
    } finally {
      await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    }
    await b.t.action(internal.billing.reservations.settle.settleOne, { lockId: lease.lockId, attempt: 1 });
    expect((await rows(orgId)).find((r) => r.lockId === lease.lockId)?.state).toBe("settled");
  });
});
