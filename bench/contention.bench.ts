// (c) Contention and throughput. 200 concurrent metered operations race for a
// balance of exactly 50 (a fresh free org: 50 standard messages granted):
// through withMeteredUsage (one balances.check with a lock per attempt, then
// finalize) and, side by side on a second fresh org, through the naive
// check → work → track. Then throughput on large balances (each pattern its
// own org): the module in an action (withMeteredUsage, the message stored by
// a meteredMutation that records the work done), the module for work that is
// one mutation (runMeteredMutation), naive check → work → track, and check
// with send_event → work — all storing the same message; back to back in each
// round, order rotated, ratio = median of the per-round ratios. Last, the
// Autumn calls alone (reserve = balances.check with a lock, confirm =
// balances.finalize; naive = check + track), from the bench process with the
// module's client, so convex-test's own cost is left out.
import { ConvexError } from "convex/values";
import { expect, it } from "vitest";
import { internal } from "../convex/_generated/api";
import type { ActionCtx } from "../convex/_generated/server";
import { callAutumn, createAutumn } from "../convex/billing/autumn";
import { runMeteredMutation, withMeteredUsage } from "../convex/billing/meteredUsage";
import { LEDGER_SHARDS } from "../convex/billing/reservations/ledger";
import { BILLING_TEST_KEY, startBillingTest, type BillingTest, type TestUser } from "../convex/billing/testing.helpers";
import { median, progress, resetCalls, sandboxCalls, writeResult } from "./lib";

const RACERS = 200;
const BALANCE = 50;
const THROUGHPUT_OPS = 100;
const RAW_OPS = 300;
const CONCURRENCY = 20;
const ROUNDS = 7;
const FEATURE = "standard_messages";

let b: BillingTest;
let owner: TestUser;

async function newOrg(name: string): Promise<string> {
  const orgId = await b.createOrg(owner, name);
  await b.drainScheduled();
  return orgId;
}
async function autumnBalance(orgId: string): Promise<{ granted: number; remaining: number; usage: number }> {
  const c = await b.autumn.autumn.customers.get({ customerId: orgId });
  const bal = c.balances[FEATURE];
  if (!bal) throw new Error("no balance");
  return { granted: bal.granted, remaining: bal.remaining, usage: bal.usage };
}
const message = (organizationId: string) => ({
  organizationId, userId: owner.userId, model: "swift-mini", feature: FEATURE, prompt: "race", reply: "ok", createdAt: Date.now(),
});
/** The baselines' work: store the message (one mutation). */
const work = (ctx: ActionCtx, organizationId: string) => ctx.runMutation(internal.chat.chat.storeMessageUnmetered, message(organizationId));

/** The naive pattern: check, work, track (two separate calls, no lock). */
async function naive(ctx: ActionCtx, organizationId: string): Promise<void> {
  const check = await callAutumn("balances.check", (c, o) => c.check({ customerId: organizationId, featureId: FEATURE, requiredBalance: 1 }, o));
  if (!check.allowed) throw new ConvexError({ code: "QUOTA_EXCEEDED" });
  await work(ctx, organizationId);
  await callAutumn("balances.track", (c, o) => c.track({ customerId: organizationId, featureId: FEATURE, value: 1 }, o), { write: true });
}
/** The single-call baseline: one check that also records the usage (send_event) before the work; nothing after. */
async function sendEvent(ctx: ActionCtx, organizationId: string): Promise<void> {
  const check = await callAutumn("balances.check", (c, o) => c.check({ customerId: organizationId, featureId: FEATURE, requiredBalance: 1, sendEvent: true }, o));
  if (!check.allowed) throw new ConvexError({ code: "QUOTA_EXCEEDED" });
  await work(ctx, organizationId);
}
/** The module's way when the work is one mutation: the claim from a lease, the work and the usage record in that one mutation. */
const oneTx = (ctx: ActionCtx, organizationId: string, key: string) =>
  runMeteredMutation(ctx, { organizationId, featureId: FEATURE, idempotencyKey: key }, internal.chat.chat.storeMessage, message(organizationId));
/** The module's way, as chat.sendMessage does it: the same one mutation, which also records the work done (meteredMutation). */
const metered = (ctx: ActionCtx, organizationId: string, key: string) =>
  withMeteredUsage(ctx, { organizationId, featureId: FEATURE, idempotencyKey: key, recordsDone: true },
    (ticket) => ctx.runMutation(internal.chat.chat.storeMessage, { ...message(organizationId), meteringTicket: ticket }));

/** `n` operations, `concurrency` at a time, outside Convex; ms. */
async function driveRaw(n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<{ ok: number; ms: number }> {
  let next = 0;
  let ok = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      await op(next++);
      ok += 1;
    }
  }));
  return { ok, ms: performance.now() - t0 };
}

/** `n` operations, at most `concurrency` in flight, inside one Convex action; ops/s and outcomes. */
async function drive(n: number, concurrency: number, op: (ctx: ActionCtx, i: number) => Promise<unknown>): Promise<{ ok: number; denied: number; other: string[]; ms: number }> {
  return b.t.action(async (ctx) => {
    let next = 0;
    let ok = 0;
    let denied = 0;
    const other: string[] = [];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        try {
          await op(ctx, i);
          ok += 1;
        } catch (err) {
          const code = err instanceof ConvexError ? String((err.data as { code?: string }).code) : String(err);
          if (code === "QUOTA_EXCEEDED") denied += 1;
          else other.push(code);
        }
      }
    }));
    return { ok, denied, other, ms: performance.now() - t0 };
  });
}

it("contention and throughput", async () => {
  b = await startBillingTest();
  await b.t.action(internal.billing.sync.syncPlans, {});
  owner = await b.signUp("cam@example.com", "Cam Contention");

  progress(`contention: ${RACERS} concurrent reservations on exactly ${BALANCE}`);
  const oursOrg = await newOrg("Rush Co");
  const naiveOrg = await newOrg("Naive Rush Co");
  expect(await autumnBalance(oursOrg)).toEqual({ granted: BALANCE, remaining: BALANCE, usage: 0 });
  expect(await autumnBalance(naiveOrg)).toEqual({ granted: BALANCE, remaining: BALANCE, usage: 0 });
  await resetCalls(b);
  const ours = await drive(RACERS, RACERS, (ctx, i) => metered(ctx, oursOrg, `rush-${i}`));
  const oursCalls = await sandboxCalls(b);
  const oursAfter = await autumnBalance(oursOrg);
  await resetCalls(b);
  const naiveRace = await drive(RACERS, RACERS, (ctx) => naive(ctx, naiveOrg));
  const naiveCalls = await sandboxCalls(b);
  const naiveAfter = await autumnBalance(naiveOrg);
  progress(`contention: ours allowed ${ours.ok} (after: ${JSON.stringify(oursAfter)}, ${JSON.stringify(oursCalls)}); naive allowed ${naiveRace.ok} (after: ${JSON.stringify(naiveAfter)}, ${JSON.stringify(naiveCalls)})`);

  progress(`throughput: ${THROUGHPUT_OPS} ops at concurrency ${CONCURRENCY}, ${ROUNDS} rounds each, alternating`);
  const bigOrg = await newOrg("Throughput Co");
  const bigNaiveOrg = await newOrg("Naive Throughput Co");
  const bigEventOrg = await newOrg("Send Event Throughput Co");
  const bigOneTxOrg = await newOrg("One Transaction Throughput Co");
  for (const id of [bigOrg, bigNaiveOrg, bigEventOrg, bigOneTxOrg]) await b.autumn.autumn.balances.update({ customerId: id, featureId: FEATURE, includedGrant: 1_000_000, usage: 0 } as never);
  for (const id of [bigOrg, bigOneTxOrg]) await b.t.action(internal.billing.sync.syncCustomer, { organizationId: id });
  const oursRates: number[] = [];
  const naiveRates: number[] = [];
  const eventRates: number[] = [];
  // Ratios are taken within a round (the three patterns back to back, their order rotated each round), then the
  // median over rounds: a shared, noisy machine slows whole rounds, and a per-round ratio cancels that out.
  const oneTxRates: number[] = [];
  const patterns = [
    (round: number) => drive(THROUGHPUT_OPS, CONCURRENCY, (ctx, i) => metered(ctx, bigOrg, `tp-${round}-${i}`)),
    () => drive(THROUGHPUT_OPS, CONCURRENCY, (ctx) => naive(ctx, bigNaiveOrg)),
    () => drive(THROUGHPUT_OPS, CONCURRENCY, (ctx) => sendEvent(ctx, bigEventOrg)),
    (round: number) => drive(THROUGHPUT_OPS, CONCURRENCY, (ctx, i) => oneTx(ctx, bigOneTxOrg, `tx-${round}-${i}`)),
  ] as const;
  for (let round = 0; round < ROUNDS; round++) {
    const rates: number[] = [0, 0, 0, 0];
    for (let k = 0; k < patterns.length; k++) {
      const which = (k + round) % patterns.length;
      const r = await patterns[which]!(round);
      expect(r.ok).toBe(THROUGHPUT_OPS);
      rates[which] = (r.ok / r.ms) * 1000;
    }
    const [o, n, e, x] = rates as [number, number, number, number];
    oursRates.push(o);
    naiveRates.push(n);
    eventRates.push(e);
    oneTxRates.push(x);
    progress(`throughput round ${round + 1}: ours ${o.toFixed(0)} ops/s (${(o / n).toFixed(2)}× naive, ${(o / e).toFixed(2)}× send_event), one-transaction ${x.toFixed(0)} ops/s (${(x / n).toFixed(2)}× / ${(x / e).toFixed(2)}×), naive ${n.toFixed(0)}, check+send_event ${e.toFixed(0)}`);
  }
  // Within-round ratios (rates[i] of two patterns come from the same round).
  const perRound = (a: number[], b: number[]) => a.map((x, i) => x / (b[i] ?? Number.NaN));
  // Settle everything (leases close at the end of their take window; close them now), then read the rows.
  const openLeases = await b.t.run((ctx) => ctx.db.query("billingReservations").filter((q) => q.and(
    q.or(q.eq(q.field("organizationId"), bigOrg), q.eq(q.field("organizationId"), bigOneTxOrg)), q.eq(q.field("state"), "reserved"))).collect());
  for (const l of openLeases.filter((r) => r.leaseSlot)) await b.t.action(internal.billing.reservations.leasing.closeLease, { lockId: l.lockId });
  await b.drainScheduled();
  const tpRows = await b.t.run((ctx) => ctx.db.query("billingReservations").filter((q) => q.eq(q.field("organizationId"), bigOrg)).collect());
  const ops = tpRows.filter((r) => !r.leaseSlot);
  const leases = tpRows.filter((r) => r.leaseSlot);
  const leasedOps = ops.filter((r) => r.leaseLockId).length;
  const plainOps = ops.length - leasedOps;
  const opsPerLease = new Map<string, number>();
  for (const r of ops) if (r.leaseLockId) opsPerLease.set(r.leaseLockId, (opsPerLease.get(r.leaseLockId) ?? 0) + 1);
  // Writes per op to one shared row, from the row counts: a lease row gets one patch per take plus its own
  // 3-4 state moves; the org's cache row one write per plain reserve and per lease opened (+1 re-read per lease
  // settled); the day's ledger row one per settlement, spread over LEDGER_SHARDS rows.
  // A lease row is written by the takes made while it is open (plus its own 3-4 state moves): its share of the
  // operations claimed in its take window is the share of concurrent writes that land on it (1/LEASE_SHARDS at best).
  const shares = leases.map((l) => {
    const from = l.createdAt;
    const until = l.takeUntil ?? l.createdAt;
    const inWindow = ops.filter((r) => r.createdAt >= from && r.createdAt <= until).length;
    return inWindow >= 20 ? ((opsPerLease.get(l.lockId) ?? 0) + 4) / inWindow : 0;
  });
  const hottestLeaseShare = Math.max(0, ...shares);
  const cacheWrites = plainOps + 2 * leases.length;
  const ledgerWrites = (plainOps + leases.length) / LEDGER_SHARDS;
  const autumnAfter = await autumnBalance(bigOrg);
  const hotRows = {
    ops: ops.length,
    leasedShare: ops.length ? leasedOps / ops.length : 0,
    leases: leases.length,
    perOp: { leaseRow: hottestLeaseShare, cacheRow: cacheWrites / ops.length, ledgerRow: ledgerWrites / ops.length },
    before: { cacheRow: 2, ledgerRow: 1 },
    exact: autumnAfter.usage === ops.length,
    oneTx: await (async () => {
      const rows = (await b.t.run((ctx) => ctx.db.query("billingReservations").filter((q) => q.eq(q.field("organizationId"), bigOneTxOrg)).collect())).filter((r) => !r.leaseSlot);
      return { ops: rows.length, leasedShare: rows.length ? rows.filter((r) => r.leaseLockId).length / rows.length : 0, exact: (await autumnBalance(bigOneTxOrg)).usage === rows.length };
    })(),
  };
  progress(`hot rows: ${JSON.stringify(hotRows)}`);
  progress(`raw Autumn throughput: ${RAW_OPS} ops at concurrency ${CONCURRENCY}, ${ROUNDS} rounds each, alternating`);
  const client = createAutumn({ secretKey: BILLING_TEST_KEY, serverURL: b.autumn.url });
  const rawOurs: number[] = [];
  const rawNaive: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const o = await driveRaw(RAW_OPS, CONCURRENCY, async (i) => {
      const lockId = `raw:${round}:${i}`;
      const check = await callAutumn("balances.check", (c, opts) => c.check({
        customerId: bigOrg, featureId: FEATURE, requiredBalance: 1, lock: { lockId, enabled: true, expiresAt: Date.now() + 300_000 },
      }, opts), { client });
      if (!check.allowed) throw new Error("denied");
      await callAutumn("balances.finalize", (c, opts) => c.balances.finalize({ lockId, action: "confirm" }, opts), { client, write: true, idempotencyKey: `${lockId}:confirm` });
    });
    const n = await driveRaw(RAW_OPS, CONCURRENCY, async () => {
      const check = await callAutumn("balances.check", (c, opts) => c.check({ customerId: bigNaiveOrg, featureId: FEATURE, requiredBalance: 1 }, opts), { client });
      if (!check.allowed) throw new Error("denied");
      await callAutumn("balances.track", (c, opts) => c.track({ customerId: bigNaiveOrg, featureId: FEATURE, value: 1 }, opts), { client, write: true });
    });
    rawOurs.push((o.ok / o.ms) * 1000);
    rawNaive.push((n.ok / n.ms) * 1000);
    progress(`raw round ${round + 1}: reserve/confirm ${rawOurs.at(-1)?.toFixed(0)} ops/s, check/track ${rawNaive.at(-1)?.toFixed(0)} ops/s`);
  }
  writeResult("contention", {
    racers: RACERS,
    balance: BALANCE,
    ours: { allowed: ours.ok, denied: ours.denied, other: ours.other, after: oursAfter, calls: oursCalls, ms: ours.ms },
    naive: { allowed: naiveRace.ok, denied: naiveRace.denied, other: naiveRace.other, after: naiveAfter, calls: naiveCalls, ms: naiveRace.ms },
    throughput: { ops: THROUGHPUT_OPS, concurrency: CONCURRENCY, rounds: ROUNDS, ours: oursRates, naive: naiveRates, sendEvent: eventRates, oursMedian: median(oursRates), naiveMedian: median(naiveRates), sendEventMedian: median(eventRates), vsNaiveMedian: median(perRound(oursRates, naiveRates)), vsSendEventMedian: median(perRound(oursRates, eventRates)),
      oneTx: oneTxRates, oneTxMedian: median(oneTxRates), oneTxVsNaiveMedian: median(perRound(oneTxRates, naiveRates)), oneTxVsSendEventMedian: median(perRound(oneTxRates, eventRates)) },
    hotRows,
    raw: { ops: RAW_OPS, concurrency: CONCURRENCY, rounds: ROUNDS, ours: rawOurs, naive: rawNaive, oursMedian: median(rawOurs), naiveMedian: median(rawNaive) },
  });
  await b.close();
});
