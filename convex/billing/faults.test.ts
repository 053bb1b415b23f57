// The fault suite: the running module under Autumn misbehaving, through the
// sandbox's fault injection (5xx bursts, 429 with Retry-After, latency past
// the client timeout, lost responses) and with Autumn gone entirely. The
// invariants: no unit lost or counted twice; metered work fails closed with
// AUTUMN_UNAVAILABLE; cached reads keep working; a failed sync prunes
// nothing; the watcher recovers on its next tick. (Webhook drops, duplicates
// and out-of-order delivery: webhook.test.ts. Cron recovery: reconcile.test.ts.)
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { billingErrorCode } from "./errors";
import { startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";
import { payCheckout } from "../../packages/autumn-sandbox/src/testing";

let b: BillingTest;
let owner: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  await b.t.action(internal.billing.sync.syncPlans, {});
  owner = await b.signUp("fault-owner@example.com", "Fay Fault");
});
afterAll(async () => { await b.close(); });
afterEach(async () => {
  await b.autumn.control("/sandbox/faults", undefined, "DELETE");
  delete process.env.AUTUMN_TIMEOUT_MS;
});

let n = 0;
async function newOrg(): Promise<string> {
  n += 1;
  const orgId = await b.createOrg(owner, `Fault Co ${n}`);
  await b.drainScheduled();
  return orgId;
}

async function usage(orgId: string, featureId = "standard_messages"): Promise<number> {
  const c = await b.autumn.autumn.customers.get({ customerId: orgId });
  return c.balances[featureId]?.usage ?? NaN;
}

async function send(orgId: string, requestId: string): Promise<"ok" | string> {
  try {
    await b.as(owner, orgId).action(api.chat.chat.sendMessage, { model: "swift-mini", prompt: "hello", requestId });
    return "ok";
  } catch (err) {
    return billingErrorCode(err) ?? String(err);
  }
}

describe("zero lost, zero double-counted units", () => {
  it("a burst of 5xx, 429s with Retry-After and lost responses across 30 messages: usage equals the messages stored", async () => {
    const orgId = await newOrg();
    await b.autumn.control("/sandbox/faults", { route: "balances.check", mode: "error", status: 503, count: 3 });
    await b.autumn.control("/sandbox/faults", { route: "balances.finalize", mode: "drop_response", status: 502, count: 3 });
    await b.autumn.control("/sandbox/faults", { route: "balances.finalize", mode: "rate_limit", retry_after_s: 1, count: 2 });
    const outcomes: string[] = [];
    for (let i = 0; i < 30; i += 1) outcomes.push(await send(orgId, `burst-${i}`));
    // Retries absorb every fault: each message is stored and counted exactly once.
    expect(outcomes.filter((o) => o !== "ok")).toEqual([]);
    const stored = await b.as(owner, orgId).query(api.chat.chat.listMessages, {});
    expect(stored).toHaveLength(30);
    expect(await usage(orgId)).toBe(30);
    // Replaying every request id charges nothing more.
    for (let i = 0; i < 30; i += 1) await send(orgId, `burst-${i}`);
    expect(await usage(orgId)).toBe(30);
  });
});

describe("fail closed, cached reads keep working", () => {
  it("latency past the client timeout on the reservation → AUTUMN_UNAVAILABLE, nothing charged, reads still served from the cache", async () => {
    const orgId = await newOrg();
    const before = await usage(orgId);
    process.env.AUTUMN_TIMEOUT_MS = "150";
    await b.autumn.control("/sandbox/faults", { route: "balances.check", mode: "latency", latency_ms: 600, count: 10 });
    expect(await send(orgId, "slow-1")).toBe("AUTUMN_UNAVAILABLE");
    delete process.env.AUTUMN_TIMEOUT_MS;
    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    expect(await b.as(owner, orgId).query(api.chat.chat.listMessages, {})).toHaveLength(0);
    // Like a real server, Autumn finished the check after the client gave up: its lock holds the unit
    // until the sweeper releases it by its id (reservations/sweeper.ts); then nothing is charged.
    const locks = () => Object.values((b.autumn.sandbox as unknown as { store: { state: { locks: Record<string, { customer_id: string; status: string }> } } })
      .store.state.locks).filter((l) => l.customer_id === orgId && l.status === "held").length;
    const until = Date.now() + 5_000;
    while (locks() === 0 && Date.now() < until) await new Promise((r) => setImmediate(r));
    await b.t.action(internal.billing.reservations.sweeper.sweep, { now: Date.now() + 3 * 60_000 });
    expect(locks()).toBe(0);
    expect(await usage(orgId)).toBe(before);

    const statsBefore = await b.autumn.control("/sandbox/stats", undefined, "GET");
    const billing = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
    expect(billing.billing.plan?.planId).toBe("free");
    const check = await b.as(owner, orgId).query(api.billing.api.checkFeature, { featureId: "standard_messages" });
    expect(check.allowed).toBe(true);
    expect(await b.autumn.control("/sandbox/stats", undefined, "GET")).toEqual(statsBefore);
  });
});

describe("Autumn gone entirely", () => {
  it("mid-sync: nothing pruned, the failure recorded; metered work fails closed; reads keep working; the watcher recovers once Autumn is back", async () => {
    const orgId = await newOrg();
    const plansBefore = await b.t.run((ctx) => ctx.db.query("billingPlans").collect());
    const featuresBefore = await b.t.run((ctx) => ctx.db.query("billingFeatures").collect());

    // Autumn dies between the two catalog fetches: features arrive, plans never do.
    await b.autumn.control("/sandbox/faults", { route: "plans.list", mode: "disconnect" });
    expect(await b.t.action(internal.billing.sync.syncPlans, {})).toMatchObject({ ok: false, error: { code: "AUTUMN_UNAVAILABLE" } });
    expect(await b.t.run((ctx) => ctx.db.query("billingPlans").collect())).toEqual(plansBefore);
    expect(await b.t.run((ctx) => ctx.db.query("billingFeatures").collect())).toEqual(featuresBefore);
    const lastRun = await b.t.run((ctx) => ctx.db.query("billingSyncRuns").withIndex("by_kind_startedAt", (q) => q.eq("kind", "plans")).order("desc").first());
    expect(lastRun).toMatchObject({ ok: false, error: { code: "AUTUMN_UNAVAILABLE" } });
    await b.autumn.control("/sandbox/faults", undefined, "DELETE");

    // A checkout that needs payment starts a watcher; then Autumn disappears completely.
    const checkout = await b.as(owner, orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: "/billing/success" });
    if (checkout.status !== "redirect") throw new Error(`expected a payment page, got ${checkout.status}`);
    await b.autumn.control("/sandbox/faults", { route: "*", mode: "disconnect" });

    expect(await send(orgId, "down-1")).toBe("AUTUMN_UNAVAILABLE");
    const billing = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
    expect(billing.billing.plan?.planId).toBe("free");
    expect((await b.as(owner, orgId).query(api.billing.api.listPlans, {})).map((p) => p.planId)).toContain("team");

    // The watcher's tick fails softly and keeps watching.
    await b.t.action(internal.billing.watcher.tick, { organizationId: orgId, planId: "team", attempt: 0 });
    const watcher = () => b.t.run((ctx) => ctx.db.query("billingWatchers")
      .withIndex("by_organizationId_planId", (q) => q.eq("organizationId", orgId).eq("planId", "team")).unique());
    const watching = await watcher();
    expect(watching).toMatchObject({ state: "watching", attempt: 1 });
    expect(watching?.lastError).toContain("AUTUMN_UNAVAILABLE");

    // Autumn comes back; the owner pays; the payment settles; the next tick activates.
    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    expect((await payCheckout(checkout.paymentUrl, "4242424242424242")).status).toBe(303);
    await b.autumn.control("/sandbox/checkouts/settle");
    await b.t.action(internal.billing.watcher.tick, { organizationId: orgId, planId: "team", attempt: 1 });
    expect(await watcher()).toMatchObject({ state: "activated" });
    expect((await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {})).billing.plan?.planId).toBe("team");
    expect((await b.t.action(internal.billing.sync.syncPlans, {})).ok).toBe(true);
    expect(await send(orgId, "back-1")).toBe("ok");
  });
});
