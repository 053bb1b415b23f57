// Metered usage: reserve → work → confirm/release (withMeteredUsage) and
// seats (adjustSeats), against the sandbox through the real autumn-js client.
// Nothing is mocked: Autumn's balances are read back from the sandbox, the
// cache through getOrgBilling, the usage ledger through getUsageHistory.
import { ConvexError } from "convex/values";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { adjustSeats, lockIdFor, utcDay, withMeteredUsage, type AdjustSeatsArgs, type MeteredUsageArgs } from "./meteredUsage";
import { startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

let b: BillingTest;
let owner: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  expect(await b.t.action(internal.billing.sync.syncPlans, {})).toMatchObject({ ok: true });
  owner = await b.signUp("meg@example.com", "Meg Meter");
});
afterAll(async () => { await b.close(); });
afterEach(async () => {
  await b.autumn.control("/sandbox/faults", undefined, "DELETE");
  delete process.env.BILLING_FAIL_OPEN_FEATURES;
});

let orgSeq = 0;
/** A new org owned by `owner`, provisioned on the free plan (50 standard messages, 2 seats). */
async function newOrg(name = "Meter Co"): Promise<string> {
  const orgId = await b.createOrg(owner, `${name} ${++orgSeq}`);
  await b.drainScheduled();
  return orgId;
}
const sync = async (orgId: string): Promise<void> => {
  expect(await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId })).toEqual({ ok: true, error: null });
};
/** Autumn's own numbers for a feature (the source of truth). */
async function autumnBalance(orgId: string, featureId: string): Promise<{ remaining: number; usage: number; granted: number } | undefined> {
  const customer = await b.autumn.autumn.customers.get({ customerId: orgId });
  return customer.balances[featureId];
}
/** The cached balance the UI shows (getOrgBilling, cache only). */
async function cachedBalance(orgId: string, featureId: string) {
  const { billing } = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
  return billing.balances.find((x) => x.featureId === featureId);
}
async function ledgerToday(orgId: string, featureId: string): Promise<number> {
  const history = await b.as(owner, orgId).query(api.billing.metering.getUsageHistory, { featureId, days: 7 });
  return history.series[0]?.points.find((p) => p.day === utcDay(Date.now()))?.units ?? 0;
}
async function stats(): Promise<Record<string, number>> {
  return ((await b.autumn.control("/sandbox/stats", undefined, "GET")) as { calls: Record<string, number> }).calls;
}
const resetStats = () => b.autumn.control("/sandbox/stats/reset", {});
/** Let the background settler (scheduled with runAfter(0) after each work) finish. */
const settled = () => b.drainScheduled();

/** withMeteredUsage inside a convex-test action. */
function meter<T>(args: MeteredUsageArgs, work: (ctx: ActionCtx) => Promise<T>): Promise<T> {
  return b.t.action((ctx) => withMeteredUsage(ctx, args, () => work(ctx)));
}
function seats(args: AdjustSeatsArgs) {
  return b.t.action((ctx) => adjustSeats(ctx, args));
}
/** The typed error data a call failed with. */
async function failure(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ConvexError) return err.data as Record<string, unknown>;
    return { thrown: err instanceof Error ? err.message : String(err) };
  }
  throw new Error("expected the call to fail");
}
const send = (orgId: string, model: "swift-mini" | "sage-pro", prompt = "hello", requestId?: string) =>
  b.as(owner, orgId).action(api.chat.chat.sendMessage, { model, prompt, ...(requestId ? { requestId } : {}) });
async function reservations(orgId: string) {
  return b.t.run((ctx) => ctx.db.query("billingReservations").filter((q) => q.eq(q.field("organizationId"), orgId)).collect());
}

describe("reserve → confirm", () => {
  it("one message: Autumn and the cache drop by one, the ledger grows, 1 Autumn call before the work and 1 after", async () => {
    const orgId = await newOrg();
    expect(await cachedBalance(orgId, "standard_messages")).toMatchObject({ remaining: 50, usage: 0 });
    await resetStats();
    const sent = await send(orgId, "swift-mini", "What is metering?");
    expect(sent.feature).toBe("standard_messages");
    // The caller waited for the check only; the confirm runs in the background.
    expect(await stats()).toEqual({ "balances.check": 1 });
    await settled();
    expect(await stats()).toEqual({ "balances.check": 1, "balances.finalize": 1 });

    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49, usage: 1 });
    expect(await cachedBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49, usage: 1 });
    expect(await ledgerToday(orgId, "standard_messages")).toBe(1);
    expect((await reservations(orgId)).map((r) => [r.state, r.outcome, r.units])).toEqual([["settled", "confirmed", 1]]);
    const messages = await b.as(owner, orgId).query(api.chat.chat.listMessages, {});
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ prompt: "What is metering?", reply: sent.reply, model: "swift-mini", feature: "standard_messages" });
  });

  it("a batch of 10 deducts 10 (Autumn, cache, ledger)", async () => {
    const orgId = await newOrg();
    expect(await meter({ organizationId: orgId, featureId: "standard_messages", units: 10, idempotencyKey: "batch-1" }, async () => "ok")).toBe("ok");
    await settled();
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 40, usage: 10 });
    expect(await cachedBalance(orgId, "standard_messages")).toMatchObject({ remaining: 40, usage: 10 });
    expect(await ledgerToday(orgId, "standard_messages")).toBe(10);
  });
});

describe("release", () => {
  it("work that fails after the reserve: the balance is restored exactly (Autumn and cache) and the work's error rethrown", async () => {
    const orgId = await newOrg();
    const seenDuringWork: Array<number | undefined> = [];
    const error = await failure(meter({ organizationId: orgId, featureId: "standard_messages", units: 3, idempotencyKey: "fails-1" }, async (ctx) => {
      // The reservation is held while the work runs, and the cache already shows it.
      seenDuringWork.push((await autumnBalance(orgId, "standard_messages"))?.remaining);
      seenDuringWork.push((await ctx.runQuery(internal.billing.metering.cachedBalance, { organizationId: orgId, featureId: "standard_messages" }))?.remaining);
      throw new Error("model backend exploded");
    }));
    expect(JSON.stringify(error)).toContain("model backend exploded");
    expect(seenDuringWork).toEqual([47, 47]);
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 50, usage: 0 });
    expect(await cachedBalance(orgId, "standard_messages")).toMatchObject({ remaining: 50, usage: 0 });
    expect(await ledgerToday(orgId, "standard_messages")).toBe(0);
    expect((await reservations(orgId)).map((r) => r.state)).toEqual(["released"]);
  });
});

describe("quota", () => {
  it("not enough balance → QUOTA_EXCEEDED {featureId, remaining, required}; nothing deducted, work not run", async () => {
    const orgId = await newOrg();
    let ran = false;
    const error = await failure(meter({ organizationId: orgId, featureId: "standard_messages", units: 51, idempotencyKey: "too-big" }, async () => { ran = true; }));
    expect(error).toMatchObject({ code: "QUOTA_EXCEEDED", featureId: "standard_messages", remaining: 50, required: 51 });
    expect(ran).toBe(false);
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 50, usage: 0 });
    expect(await cachedBalance(orgId, "standard_messages")).toMatchObject({ remaining: 50 });
    expect((await reservations(orgId)).map((r) => r.state)).toEqual(["released"]);
  });

  it("a feature the plan does not include (premium on free, no credits) → QUOTA_EXCEEDED with remaining 0", async () => {
    const orgId = await newOrg();
    const error = await failure(send(orgId, "sage-pro"));
    expect(error).toMatchObject({ code: "QUOTA_EXCEEDED", featureId: "premium_messages", remaining: 0, required: 1, included: false });
    expect(await b.as(owner, orgId).query(api.chat.chat.listMessages, {})).toEqual([]);
  });
});

describe("credit systems", () => {
  let orgId: string;
  beforeAll(async () => {
    orgId = await newOrg("Credits Co");
    await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "credit_pack", noBillingChanges: true });
    await sync(orgId);
  });

  it("a premium message on free + credit pack draws 5 credits (units stay in messages; Autumn converts)", async () => {
    expect(await cachedBalance(orgId, "ai_credits")).toMatchObject({ remaining: 500 });
    await send(orgId, "sage-pro", "a premium question");
    await settled();
    expect(await autumnBalance(orgId, "ai_credits")).toMatchObject({ remaining: 495, usage: 5 });
    expect(await cachedBalance(orgId, "ai_credits")).toMatchObject({ remaining: 495, usage: 5 });
    expect(await ledgerToday(orgId, "premium_messages")).toBe(1);
  });

  it("a failed premium message gives the 5 credits back exactly", async () => {
    await failure(meter({ organizationId: orgId, featureId: "premium_messages", units: 1, idempotencyKey: "premium-fails" }, async () => {
      throw new Error("nope");
    }));
    expect(await autumnBalance(orgId, "ai_credits")).toMatchObject({ remaining: 495 });
    expect(await cachedBalance(orgId, "ai_credits")).toMatchObject({ remaining: 495 });
  });

  it("QUOTA_EXCEEDED counts remaining in messages, not credits", async () => {
    await b.autumn.autumn.balances.update({ customerId: orgId, featureId: "ai_credits", remaining: 12 });
    const error = await failure(meter({ organizationId: orgId, featureId: "premium_messages", units: 3, idempotencyKey: "premium-3" }, async () => null));
    expect(error).toMatchObject({ code: "QUOTA_EXCEEDED", featureId: "premium_messages", remaining: 2, required: 3 });
    expect(await autumnBalance(orgId, "ai_credits")).toMatchObject({ remaining: 12 });
    expect(await cachedBalance(orgId, "ai_credits")).toMatchObject({ remaining: 12 });
  });
});

describe("seats (allocated)", () => {
  it("+1 until the limit, then QUOTA_EXCEEDED; −1 gives one back; repeated keys are no-ops", async () => {
    const orgId = await newOrg("Seats Co");
    expect(await autumnBalance(orgId, "seats")).toMatchObject({ granted: 2, usage: 0 });
    expect(await seats({ organizationId: orgId, delta: 1, idempotencyKey: "add-ann" })).toMatchObject({ usage: 1, remaining: 1 });
    expect(await seats({ organizationId: orgId, delta: 1, idempotencyKey: "add-bob" })).toMatchObject({ usage: 2, remaining: 0 });
    // The same key again (a retried invite): nothing more is counted.
    await seats({ organizationId: orgId, delta: 1, idempotencyKey: "add-bob" });
    expect(await autumnBalance(orgId, "seats")).toMatchObject({ usage: 2 });
    const error = await failure(seats({ organizationId: orgId, delta: 1, idempotencyKey: "add-cy" }));
    expect(error).toMatchObject({ code: "QUOTA_EXCEEDED", featureId: "seats", remaining: 0, required: 1 });
    expect(await autumnBalance(orgId, "seats")).toMatchObject({ usage: 2 });

    expect(await seats({ organizationId: orgId, delta: -1, idempotencyKey: "remove-ann" })).toMatchObject({ usage: 1, remaining: 1 });
    await seats({ organizationId: orgId, delta: -1, idempotencyKey: "remove-ann" }); // repeated: no second refund
    expect(await autumnBalance(orgId, "seats")).toMatchObject({ usage: 1 });
    expect(await cachedBalance(orgId, "seats")).toMatchObject({ usage: 1, remaining: 1 });
    // The freed seat can be taken again, now that the denied key may be retried.
    expect(await seats({ organizationId: orgId, delta: 1, idempotencyKey: "add-cy" })).toMatchObject({ usage: 2 });
    // Seats are allocation, not consumption: they stay out of the usage chart.
    expect(await ledgerToday(orgId, "seats")).toBe(0);
  });
});

describe("concurrency", () => {
  it("200 parallel reservations against exactly 50: 50 succeed, 150 QUOTA_EXCEEDED, final remaining 0, never negative", { timeout: 120_000 }, async () => {
    const orgId = await newOrg("Rush Co");
    await b.autumn.autumn.balances.update({ customerId: orgId, featureId: "standard_messages", remaining: 50 });
    await resetStats();
    let ran = 0;
    const results = await b.t.action(async (ctx) => (await Promise.allSettled(Array.from({ length: 200 }, (_, i) =>
      withMeteredUsage(ctx, { organizationId: orgId, featureId: "standard_messages", idempotencyKey: `rush-${i}` }, async () => { ran += 1; return i; }),
    ))).map((r) => r.status === "fulfilled"
      ? { ok: true, code: null }
      : { ok: false, code: r.reason instanceof ConvexError ? String((r.reason.data as { code: string }).code) : String(r.reason) }));
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    expect(ran).toBe(50);
    expect(results.filter((r) => !r.ok).map((r) => r.code)).toEqual(Array.from({ length: 150 }, () => "QUOTA_EXCEEDED"));
    await settled();
    // One check per attempt (plus the client's retries of checks that timed out under this load: same lock id, so
    // never a second reservation), one finalize per success.
    const calls = await stats();
    expect(calls["balances.check"]).toBeGreaterThanOrEqual(200);
    expect(calls["balances.finalize"]).toBe(50);
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 0, usage: 50 });
    expect(await cachedBalance(orgId, "standard_messages")).toMatchObject({ remaining: 0, usage: 50 });
    expect(await ledgerToday(orgId, "standard_messages")).toBe(50);
    const rows = await reservations(orgId);
    expect(rows.filter((r) => r.state === "settled")).toHaveLength(50);
    expect(rows.filter((r) => r.state === "released")).toHaveLength(150);
  });
});

describe("lost responses", () => {
  it("a confirm whose answer is lost is retried and counted once", async () => {
    const orgId = await newOrg();
    await b.autumn.control("/sandbox/faults", { route: "balances.finalize", mode: "drop_response", count: 1 });
    await resetStats();
    await send(orgId, "swift-mini");
    await settled();
    expect((await stats())["balances.finalize"]).toBe(2); // the lost one and its retry (a 409 duplicate = done)
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49, usage: 1 });
    expect(await cachedBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49 });
    expect(await ledgerToday(orgId, "standard_messages")).toBe(1);
    const events = await b.autumn.autumn.events.list({ customerId: orgId, featureId: "standard_messages" });
    expect(events.list).toHaveLength(1);
  });

  it("a reserve whose answer is lost: the retry finds its own lock and the message is counted once", async () => {
    const orgId = await newOrg();
    await b.autumn.control("/sandbox/faults", { route: "balances.check", mode: "drop_response", count: 1 });
    await send(orgId, "swift-mini");
    await settled();
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49, usage: 1 });
    expect(await cachedBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49 });
    expect((await reservations(orgId)).map((r) => r.state)).toEqual(["settled"]);
  });

  it("a seat refund (negative track) whose answer is lost is retried and applied once", async () => {
    const orgId = await newOrg("Seat Refund Co");
    await seats({ organizationId: orgId, delta: 1, idempotencyKey: "a" });
    await seats({ organizationId: orgId, delta: 1, idempotencyKey: "b" });
    await b.autumn.control("/sandbox/faults", { route: "balances.track", mode: "drop_response", count: 1 });
    await resetStats();
    expect(await seats({ organizationId: orgId, delta: -1, idempotencyKey: "remove-a" })).toMatchObject({ usage: 1 });
    expect((await stats())["balances.track"]).toBe(2);
    expect(await autumnBalance(orgId, "seats")).toMatchObject({ usage: 1 });
    expect(await cachedBalance(orgId, "seats")).toMatchObject({ usage: 1 });
  });

  it("a confirm Autumn cannot take is settled later by the scheduled retry (work result kept, counted once)", async () => {
    const orgId = await newOrg();
    await b.autumn.control("/sandbox/faults", { route: "balances.finalize", mode: "error", status: 500, count: 100 });
    expect(await meter({ organizationId: orgId, featureId: "standard_messages", idempotencyKey: "late-confirm" }, async () => "done")).toBe("done");
    await settled();
    expect((await reservations(orgId)).map((r) => r.state)).toEqual(["work_done"]);
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49 }); // still reserved
    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    const lockId = lockIdFor(orgId, "standard_messages", "late-confirm");
    await b.t.action(internal.billing.reservations.settle.settleOne, { lockId, attempt: 99 });
    expect((await reservations(orgId)).map((r) => r.state)).toEqual(["settled"]);
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49, usage: 1 });
    expect(await ledgerToday(orgId, "standard_messages")).toBe(1);
    // A second (late) run of the retry changes nothing.
    await b.t.action(internal.billing.reservations.settle.settleOne, { lockId, attempt: 99 });
    expect(await ledgerToday(orgId, "standard_messages")).toBe(1);
    expect((await b.autumn.autumn.events.list({ customerId: orgId, featureId: "standard_messages" })).list).toHaveLength(1);
  });
});

describe("Autumn down on reserve", () => {
  it("fails closed by default: AUTUMN_UNAVAILABLE, nothing charged, the work does not run", async () => {
    const orgId = await newOrg();
    await b.autumn.control("/sandbox/faults", { route: "balances.check", mode: "error", status: 500, count: 100 });
    const error = await failure(send(orgId, "swift-mini"));
    expect(error).toMatchObject({ code: "AUTUMN_UNAVAILABLE" });
    expect(await b.as(owner, orgId).query(api.chat.chat.listMessages, {})).toEqual([]);
    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 50, usage: 0 });
    expect(await ledgerToday(orgId, "standard_messages")).toBe(0);
    // No answer: the lock might exist; the row says so until the sweeper has released it in Autumn.
    const [row] = await reservations(orgId);
    expect(row?.state).toBe("reserve_unknown");
    await b.t.action(internal.billing.reservations.sweeper.sweep, { now: (row?.createdAt ?? 0) + 3 * 60_000 });
    expect((await reservations(orgId)).map((r) => [r.state, r.outcome])).toEqual([["released", "released"]]);
  });

  it("a feature that fails open (per call) runs the work and tracks the usage afterwards", async () => {
    const orgId = await newOrg();
    await b.autumn.control("/sandbox/faults", { route: "balances.check", mode: "error", status: 500, count: 100 });
    let ran = false;
    await meter({ organizationId: orgId, featureId: "standard_messages", idempotencyKey: "open-1", failOpen: true }, async () => { ran = true; });
    expect(ran).toBe(true);
    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    // The background settle failed while Autumn was down; the sweeper bills it (no lock → track with the row's key).
    const [row] = await reservations(orgId);
    expect(row).toMatchObject({ state: "work_done", failOpen: true });
    await b.t.action(internal.billing.reservations.sweeper.sweep, { now: (row?.expiresAt ?? 0) + 1 });
    expect((await reservations(orgId)).map((r) => [r.state, r.outcome])).toEqual([["settled", "tracked"]]);
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49, usage: 1 });
    expect(await cachedBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49 });
    expect(await ledgerToday(orgId, "standard_messages")).toBe(1);
  });

  it("a feature configured to fail open (BILLING_FAIL_OPEN_FEATURES) lets sendMessage through", async () => {
    const orgId = await newOrg();
    process.env.BILLING_FAIL_OPEN_FEATURES = "standard_messages";
    await b.autumn.control("/sandbox/faults", { route: "balances.check", mode: "error", status: 500, count: 100 });
    await send(orgId, "swift-mini");
    // Premium is not listed: it still fails closed.
    expect(await failure(send(orgId, "sage-pro"))).toMatchObject({ code: "AUTUMN_UNAVAILABLE" });
    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    expect(await b.as(owner, orgId).query(api.chat.chat.listMessages, {})).toHaveLength(1);
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49 });
  });
});

describe("idempotency", () => {
  it("the same idempotency key twice charges once; the repeat is CONFLICT {duplicate} and does not run the work", async () => {
    const orgId = await newOrg();
    let runs = 0;
    const args = { organizationId: orgId, featureId: "standard_messages", units: 2, idempotencyKey: "op-42" };
    await meter(args, async () => { runs += 1; });
    // Repeated before its confirm has even run: still a duplicate, the work does not run again.
    expect(await failure(meter(args, async () => { runs += 1; }))).toMatchObject({ code: "CONFLICT", duplicate: true });
    await settled();
    expect(runs).toBe(1);
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 48, usage: 2 });
    expect(await ledgerToday(orgId, "standard_messages")).toBe(2);
  });

  it("two concurrent tries of one key: one runs and is charged, the other is CONFLICT {inFlight}", async () => {
    const orgId = await newOrg();
    let runs = 0;
    // The running work holds until the other try has settled, so the two are in flight together.
    let release = (): void => {};
    const gate = new Promise<void>((r) => { release = r; });
    const outcomes = await b.t.action(async (ctx) => (await Promise.allSettled([0, 1].map(() =>
      withMeteredUsage(ctx, { organizationId: orgId, featureId: "standard_messages", idempotencyKey: "twice-at-once" }, async () => {
        runs += 1;
        await gate;
      }).finally(release),
    ))).map((r) => (r.status === "fulfilled" ? "ok" : r.reason instanceof ConvexError ? JSON.stringify(r.reason.data) : String(r.reason))));
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(1);
    expect(outcomes.find((o) => o !== "ok")).toMatch(/"inFlight":true.*"code":"CONFLICT"|"code":"CONFLICT".*"inFlight":true/);
    expect(runs).toBe(1);
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49, usage: 1 });
  });

  it("a key whose first try failed may be retried, and is then charged once", async () => {
    const orgId = await newOrg();
    const args = { organizationId: orgId, featureId: "standard_messages", idempotencyKey: "retry-me" };
    await failure(meter(args, async () => { throw new Error("transient"); }));
    expect(await meter(args, async () => "second time lucky")).toBe("second time lucky");
    await settled();
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49, usage: 1 });
    expect((await reservations(orgId)).map((r) => [r.lockId.endsWith("#2"), r.state]).sort()).toEqual([[false, "released"], [true, "settled"]]);
  });

  it("sendMessage with the same requestId twice stores and charges one message", async () => {
    const orgId = await newOrg();
    await send(orgId, "swift-mini", "once", "req-1");
    expect(await failure(send(orgId, "swift-mini", "once", "req-1"))).toMatchObject({ code: "CONFLICT", duplicate: true });
    expect(await b.as(owner, orgId).query(api.chat.chat.listMessages, {})).toHaveLength(1);
    expect(await autumnBalance(orgId, "standard_messages")).toMatchObject({ remaining: 49 });
  });
});

describe("getUsageHistory", () => {
  it("returns one point per UTC day (zeros included) per feature with usage, from the ledger only", async () => {
    const orgId = await newOrg();
    await send(orgId, "swift-mini");
    await send(orgId, "swift-mini");
    await settled();
    await resetStats();
    const history = await b.as(owner, orgId).query(api.billing.metering.getUsageHistory, { days: 3 });
    expect(await stats()).toEqual({});
    const today = utcDay(Date.now());
    expect(history).toEqual({
      from: today - 2 * 86_400_000,
      to: today,
      series: [{ featureId: "standard_messages", name: "Standard messages", points: [
        { day: today - 2 * 86_400_000, units: 0 }, { day: today - 86_400_000, units: 0 }, { day: today, units: 2 },
      ] }],
    });
  });
});
