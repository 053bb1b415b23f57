// Billing controls against the sandbox, one behaviour per test, through the
// unmodified autumn-js client (fail-open off) and raw RPC where the SDK
// cannot express a request (x-api-version 2.2.0, reject mode, bad bodies).
// Expected numbers come from /work/shared/reference/autumn-controls.md §1,
// §12 and Autumn's integration tests (usage-windows, spend-limit).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addCard, autumnError, startTestSandbox, type TestSandbox } from "./testing.js";
import type { WebhookEvent } from "./context.js";

let t: TestSandbox;
const events: WebhookEvent[] = [];
beforeAll(async () => {
  t = await startTestSandbox();
  t.sandbox.webhooks.send = (e: WebhookEvent) => { events.push(e); };
});
afterAll(async () => { await t.close(); });

const DAY = 86_400_000;
let seq = 0;
async function customer(prefix: string): Promise<string> {
  seq += 1;
  const id = `${prefix}_${seq}`;
  await t.autumn.customers.getOrCreate({ customerId: id });
  return id;
}
const grant = (customerId: string, planId: string) => t.autumn.billing.attach({ customerId, planId, noBillingChanges: true });
const controls = (customerId: string, billing_controls: unknown, headers: Record<string, string> = {}) =>
  t.rpc("customers.update", { customer_id: customerId, billing_controls }, headers);
const bal = async (customerId: string, featureId: string) => (await t.autumn.customers.get({ customerId })).balances[featureId];
const limitsOf = async (customerId: string) => (await t.rpc("customers.get", { customer_id: customerId })).body.billing_controls as Record<string, Array<Record<string, unknown>>>;
const eventsFor = (customerId: string, type: string) => events.filter((e) => e.type === type && e.data.customer_id === customerId).map((e) => e.data);

describe("storing controls", () => {
  it("defaults are applied, each key replaces its array, omitted keys stay, [] clears, only keys ever set are returned", async () => {
    const id = await customer("store");
    const r1 = await controls(id, {
      usage_limits: [{ feature_id: "standard_messages", limit: 10, interval: "day" }],
      spend_limits: [{ feature_id: "standard_messages", overage_limit: 5 }],
    });
    expect(r1.status).toBe(200);
    const bc = r1.body.billing_controls as Record<string, unknown>;
    expect(Object.keys(bc).sort()).toEqual(["spend_limits", "usage_limits"]);
    expect(bc.usage_limits).toEqual([{ feature_id: "standard_messages", enabled: true, limit: 10, interval: "day", usage: 0, source: "customer" }]);
    expect(bc.spend_limits).toEqual([{ feature_id: "standard_messages", enabled: false, overage_limit: 5, source: "customer" }]);

    const r2 = await controls(id, { overage_allowed: [{ feature_id: "standard_messages" }] });
    const bc2 = r2.body.billing_controls as Record<string, Array<Record<string, unknown>>>;
    expect(bc2.overage_allowed).toEqual([{ feature_id: "standard_messages", enabled: false, source: "customer" }]);
    expect(bc2.usage_limits).toHaveLength(1);

    const r3 = await controls(id, { usage_limits: [] });
    expect((r3.body.billing_controls as Record<string, unknown>).usage_limits).toEqual([]);
    const c = await t.autumn.customers.get({ customerId: id });
    expect(c.billingControls.spendLimits?.[0]).toMatchObject({ featureId: "standard_messages", enabled: false, overageLimit: 5 });
  });

  it("duplicates, one_off intervals and oversized filters are 400 invalid_inputs; an unknown feature is accepted without usage", async () => {
    const id = await customer("valid");
    for (const body of [
      { spend_limits: [{ feature_id: "standard_messages" }, { feature_id: "standard_messages" }] },
      { usage_limits: [{ feature_id: "standard_messages", limit: 1, interval: "day" }, { feature_id: "standard_messages", limit: 2, interval: "month" }] },
      { usage_limits: [{ feature_id: "standard_messages", limit: 1, interval: "one_off" }] },
      { usage_limits: [{ feature_id: "standard_messages", limit: 1, interval: "day", filter: { properties: { a: 1, b: 2, c: 3, d: 4, e: 5 } } }] },
      { usage_alerts: [{ threshold: 101, threshold_type: "remaining_percentage" }] },
      { overage_allowed: [{ feature_id: "x" }, { feature_id: "x" }] },
    ]) {
      const r = await controls(id, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe("invalid_inputs");
    }
    // Same feature, different filters: two counters, allowed.
    const ok = await controls(id, { usage_limits: [
      { feature_id: "standard_messages", limit: 1, interval: "day", filter: { properties: { key: 1 } } },
      { feature_id: "standard_messages", limit: 2, interval: "day", filter: { properties: { key: "2" } } },
      { feature_id: "no_such_feature", limit: 3, interval: "day" },
    ] });
    expect(ok.status).toBe(200);
    const ul = (ok.body.billing_controls as Record<string, Array<Record<string, unknown>>>).usage_limits ?? [];
    expect(ul[0]).toMatchObject({ filter: { properties: { key: "1" } }, usage: 0 });
    expect(ul[2]).not.toHaveProperty("usage");
  });

  it("at API 2.2.0 usage limits carry usage but no source, and plan entries are hidden", async () => {
    const id = await customer("v22");
    await controls(id, { usage_limits: [{ feature_id: "standard_messages", limit: 10, interval: "day" }] });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 3 });
    const r = await t.rpc("customers.get", { customer_id: id }, { "x-api-version": "2.2.0" });
    expect((r.body.billing_controls as Record<string, unknown>).usage_limits).toEqual([
      { feature_id: "standard_messages", enabled: true, limit: 10, interval: "day", usage: 3 },
    ]);
  });
});

describe("usage limits", () => {
  it("a track over the window is clamped to the headroom; value echoes the request; check is then false", async () => {
    const id = await customer("clamp");
    await controls(id, { usage_limits: [{ feature_id: "standard_messages", limit: 5, interval: "month" }] });
    const r = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 10 });
    expect(r.value).toBe(10);
    expect(r.balance).toMatchObject({ granted: 50, remaining: 45, usage: 5 });
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages" })).allowed).toBe(false);
    expect((await limitsOf(id)).usage_limits?.[0]).toMatchObject({ usage: 5, limit: 5 });
    expect(eventsFor(id, "balances.limit_reached")).toEqual([{ customer_id: id, feature_id: "standard_messages", limit_type: "usage_limit" }]);
  });

  it("overflow bypasses the limit and still counts in the window; remaining never goes negative", async () => {
    const id = await customer("overflow");
    await controls(id, { usage_limits: [{ feature_id: "standard_messages", limit: 10, interval: "day" }] });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 8 });
    const r = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5, overageBehavior: "overflow" });
    expect(r.balance).toMatchObject({ usage: 13, remaining: 37 });
    expect((await limitsOf(id)).usage_limits?.[0]?.usage).toBe(13);
    const all = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 50, overageBehavior: "overflow" });
    expect(all.balance).toMatchObject({ granted: 50, usage: 63, remaining: 0 });
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages" })).balance).toMatchObject({ remaining: 0, usage: 63 });
  });

  it("deleting unblocks; re-adding in the same window keeps the old counter; a disabled limit does not count and has no usage", async () => {
    const id = await customer("persist");
    const limit = { feature_id: "standard_messages", limit: 5, interval: "day" };
    await controls(id, { usage_limits: [limit] });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5 });
    await controls(id, { usage_limits: [] });
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages" })).allowed).toBe(true);
    await controls(id, { usage_limits: [limit] });
    expect((await limitsOf(id)).usage_limits?.[0]?.usage).toBe(5);
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages" })).allowed).toBe(false);

    await controls(id, { usage_limits: [{ ...limit, limit: 8, enabled: false }] });
    expect((await limitsOf(id)).usage_limits?.[0]).not.toHaveProperty("usage");
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 2 });
    await controls(id, { usage_limits: [{ ...limit, limit: 8 }] });
    expect((await limitsOf(id)).usage_limits?.[0]?.usage).toBe(5);
    // balances.update never touches the window
    await t.autumn.balances.update({ customerId: id, featureId: "standard_messages", usage: 0 });
    expect((await limitsOf(id)).usage_limits?.[0]?.usage).toBe(5);
  });

  it("a utc day window rolls at midnight on the customer's clock", async () => {
    const id = await customer("roll");
    await controls(id, { usage_limits: [{ feature_id: "standard_messages", limit: 3, interval: "day", anchor: "utc" }] });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5 });
    expect((await bal(id, "standard_messages"))?.usage).toBe(3);
    await t.control("/sandbox/clock/advance", { ms: DAY, customer_id: id });
    expect((await limitsOf(id)).usage_limits?.[0]?.usage).toBe(0);
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5 });
    expect((await bal(id, "standard_messages"))?.usage).toBe(6);
  });

  it("a paid upgrade carries the window counter; a cancellation onto the free plan restarts it", async () => {
    const id = await customer("planchange");
    await grant(id, "pro");
    await controls(id, { usage_limits: [
      { feature_id: "premium_messages", limit: 5, interval: "month" },
      { feature_id: "standard_messages", limit: 5, interval: "day" },
    ] });
    await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 3 });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 3 });
    await t.control("/sandbox/clock/advance", { ms: 60_000, customer_id: id });
    await grant(id, "team");
    expect((await limitsOf(id)).usage_limits?.[0]?.usage).toBe(3);
    await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 5 });
    expect((await bal(id, "premium_messages"))?.usage).toBe(2);

    const id2 = await customer("planchange");
    await grant(id2, "pro");
    await controls(id2, { usage_limits: [{ feature_id: "standard_messages", limit: 5, interval: "day" }] });
    await t.autumn.track({ customerId: id2, featureId: "standard_messages", value: 3 });
    await t.control("/sandbox/clock/advance", { ms: 60_000, customer_id: id2 });
    await t.autumn.billing.update({ customerId: id2, planId: "pro", cancelAction: "cancel_immediately" });
    expect((await limitsOf(id2)).usage_limits?.[0]?.usage).toBe(0);
  });

  it("filtered limits only gate matching properties", async () => {
    const id = await customer("filter");
    await controls(id, { usage_limits: [{ feature_id: "standard_messages", limit: 2, interval: "day", filter: { properties: { key: "a" } } }] });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5, properties: { key: "a" } });
    expect((await bal(id, "standard_messages"))?.usage).toBe(2);
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages", properties: { key: "a" } })).allowed).toBe(false);
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages", properties: { key: "b" } })).allowed).toBe(true);
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5 });
    expect((await bal(id, "standard_messages"))?.usage).toBe(7);
  });

  it("check + send_event past the window deducts nothing; a lock takes window headroom and balance", async () => {
    const id = await customer("lock");
    await controls(id, { usage_limits: [{ feature_id: "standard_messages", limit: 10, interval: "day" }] });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 4 });
    const locked = await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 6, lock: { lockId: `l_${id}`, enabled: true } });
    expect(locked.allowed).toBe(true);
    expect(locked.balance?.remaining).toBe(40);
    expect((await limitsOf(id)).usage_limits?.[0]?.usage).toBe(10);
    const denied = await t.autumn.check({ customerId: id, featureId: "standard_messages", requiredBalance: 1, sendEvent: true });
    expect(denied.allowed).toBe(false);
    expect(denied.balance?.remaining).toBe(40);
  });

  it("a limit on a credit-system member is converted through its credit cost", async () => {
    const id = await customer("credits");
    await grant(id, "credit_pack");
    await controls(id, { usage_limits: [{ feature_id: "premium_messages", limit: 2, interval: "day" }] });
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages", requiredBalance: 2 })).allowed).toBe(true);
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages", requiredBalance: 3 })).allowed).toBe(false);
    await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 5 });
    expect((await bal(id, "ai_credits"))?.usage).toBe(10);
  });
});

describe("spend limits and overage_allowed", () => {
  it("a spend limit caps usage-based overage at granted + limit (1000 + 25 → 1025) and reports spend_limit", async () => {
    const id = await customer("spend");
    await grant(id, "team");
    await controls(id, { spend_limits: [{ feature_id: "premium_messages", enabled: true, overage_limit: 25 }] });
    await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 1020 });
    const r = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 10 });
    expect(r.balance).toMatchObject({ granted: 1000, remaining: 0, usage: 1025 });
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages" })).allowed).toBe(false);
    expect(eventsFor(id, "balances.limit_reached")).toEqual([{ customer_id: id, feature_id: "premium_messages", limit_type: "spend_limit" }]);
  });

  it("usage_percentage spend limit: 120% of 1000 included allows 2200 in total", async () => {
    const id = await customer("pct");
    await grant(id, "team");
    await controls(id, { spend_limits: [{ feature_id: "premium_messages", enabled: true, limit_type: "usage_percentage", overage_limit: 120 }] });
    const r = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 5000 });
    expect(r.balance).toMatchObject({ usage: 2200, remaining: 0 });
  });

  it("overage_allowed true lets a plain consumable pass its grant; an enabled spend limit still caps it, a disabled one does not", async () => {
    const id = await customer("oa");
    await controls(id, { overage_allowed: [{ feature_id: "standard_messages", enabled: true }], spend_limits: [{ feature_id: "standard_messages", enabled: true, overage_limit: 20 }] });
    const r = await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 150 });
    expect(r.balance).toMatchObject({ granted: 50, usage: 70, remaining: 0, overageAllowed: false });
    const id2 = await customer("oa");
    await controls(id2, { overage_allowed: [{ feature_id: "standard_messages", enabled: true }], spend_limits: [{ feature_id: "standard_messages", overage_limit: 20 }] });
    const r2 = await t.autumn.track({ customerId: id2, featureId: "standard_messages", value: 150 });
    expect(r2.balance).toMatchObject({ usage: 150, remaining: 0 });
    expect((await t.autumn.check({ customerId: id2, featureId: "standard_messages", requiredBalance: 1000 })).allowed).toBe(true);
  });

  it("overage_allowed false on a usage-based item clamps at remaining while balance.overage_allowed stays true", async () => {
    const id = await customer("oaf");
    await grant(id, "team");
    await controls(id, { overage_allowed: [{ feature_id: "premium_messages", enabled: false }] });
    expect((await t.autumn.check({ customerId: id, featureId: "premium_messages", requiredBalance: 1001 })).allowed).toBe(false);
    const r = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 1200 });
    expect(r.balance).toMatchObject({ usage: 1000, remaining: 0, overageAllowed: true });
  });

  it("reject mode: 400 insufficient_balance with nothing deducted; with event_name 400 invalid_request", async () => {
    const id = await customer("reject");
    const r = await t.rpc("balances.track", { customer_id: id, feature_id: "standard_messages", value: 51, overage_behavior: "reject" });
    expect(r).toMatchObject({ status: 400, body: { code: "insufficient_balance" } });
    expect((await bal(id, "standard_messages"))?.usage).toBe(0);
    const ok = await t.rpc("balances.track", { customer_id: id, feature_id: "standard_messages", value: 50, overage_behavior: "reject" });
    expect(ok.status).toBe(200);
    const ev = await t.rpc("balances.track", { customer_id: id, event_name: "anything", value: 1, overage_behavior: "reject" });
    expect(ev.status).toBe(400);
  });
});

describe("plan defaults and entities", () => {
  it("plan billing_controls apply, show with source plan and usage at 2.3+, are hidden at 2.2, and a customer entry shadows them", async () => {
    const created = await t.rpc("plans.create", {
      plan_id: "capped_addon", name: "Capped", add_on: true,
      items: [{ feature_id: "standard_messages", included: 100, reset: { interval: "month" } }],
      billing_controls: { usage_limits: [{ feature_id: "standard_messages", limit: 4, interval: "day" }] },
    });
    expect(created.status).toBe(200);
    const id = await customer("plan");
    await grant(id, "capped_addon");
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 10 });
    expect((await bal(id, "standard_messages"))?.usage).toBe(4);
    expect((await limitsOf(id)).usage_limits).toEqual([{ feature_id: "standard_messages", enabled: true, limit: 4, interval: "day", usage: 4, source: "plan" }]);
    const old = await t.rpc("customers.get", { customer_id: id }, { "x-api-version": "2.2.0" });
    expect(old.body.billing_controls).toEqual({});
    await controls(id, { usage_limits: [{ feature_id: "standard_messages", limit: 4, interval: "day", enabled: false }] });
    expect((await t.autumn.check({ customerId: id, featureId: "standard_messages" })).allowed).toBe(true);
    expect((await limitsOf(id)).usage_limits).toEqual([{ feature_id: "standard_messages", enabled: false, limit: 4, interval: "day", source: "customer" }]);
  });

  it("among several plans the most restrictive default wins; attach customize.billing_controls overrides the plan for that customer", async () => {
    for (const [planId, limit, interval] of [["cap_a", 40, "month"], ["cap_b", 2, "day"]] as const) {
      await t.rpc("plans.create", {
        plan_id: planId, name: planId, add_on: true, items: [{ feature_id: "standard_messages", included: 10, reset: { interval: "month" } }],
        billing_controls: { usage_limits: [{ feature_id: "standard_messages", limit, interval }], overage_allowed: [{ feature_id: "standard_messages", enabled: planId === "cap_a" }] },
      });
    }
    const id = await customer("restrict");
    await grant(id, "cap_a");
    await grant(id, "cap_b");
    const bc = await limitsOf(id);
    // 40/month ≈ 1.33/day beats 2/day; overage_allowed false beats true.
    expect(bc.usage_limits).toEqual([{ feature_id: "standard_messages", enabled: true, limit: 40, interval: "month", usage: 0, source: "plan" }]);
    expect(bc.overage_allowed).toEqual([{ feature_id: "standard_messages", enabled: false, source: "plan" }]);

    const id2 = await customer("customize");
    const r = await t.rpc("billing.attach", { customer_id: id2, plan_id: "cap_b", no_billing_changes: true,
      customize: { billing_controls: { usage_limits: [{ feature_id: "standard_messages", limit: 7, interval: "day" }] } } });
    expect(r.status).toBe(200);
    expect((await limitsOf(id2)).usage_limits).toEqual([{ feature_id: "standard_messages", enabled: true, limit: 7, interval: "day", usage: 0, source: "plan" }]);
  });

  it("a blocking filtered limit names its filter in balances.limit_reached", async () => {
    const id = await customer("filterhook");
    await controls(id, { usage_limits: [{ feature_id: "standard_messages", limit: 1, interval: "day", filter: { properties: { key: "k1" } } }] });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 1, properties: { key: "k1" } });
    expect(eventsFor(id, "balances.limit_reached")).toEqual([{ customer_id: id, feature_id: "standard_messages", limit_type: "usage_limit", filter: { properties: { key: "k1" } } }]);
  });

  it("entity controls: own window, auto_topups dropped, update without customer_id works, create on a consumable is 400", async () => {
    const id = await customer("ent");
    await t.autumn.entities.create({ customerId: id, entityId: "e1", featureId: "seats" });
    const up = await t.rpc("entities.update", { entity_id: "e1", billing_controls: {
      usage_limits: [{ feature_id: "standard_messages", limit: 2, interval: "day" }],
      auto_topups: [{ feature_id: "ai_credits", enabled: true, threshold: 10, quantity: 100 }],
    } });
    expect(up.status).toBe(200);
    expect(up.body.billing_controls).toEqual({ usage_limits: [{ feature_id: "standard_messages", enabled: true, limit: 2, interval: "day", usage: 0 }] });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", entityId: "e1", value: 5 });
    expect((await bal(id, "standard_messages"))?.usage).toBe(2);
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 5 });
    expect((await bal(id, "standard_messages"))?.usage).toBe(7);
    const e = await t.autumn.entities.get({ customerId: id, entityId: "e1" });
    expect(e.billingControls?.usageLimits?.[0]?.usage).toBe(2);
    expect(await autumnError(t.autumn.entities.create({ customerId: id, entityId: "e2", featureId: "standard_messages" })))
      .toMatchObject({ status: 400, code: "invalid_request" });
  });
});

describe("usage alerts", () => {
  it("fires when usage crosses a threshold (usage, usage_percentage, remaining), once per crossing", async () => {
    const id = await customer("alert");
    await controls(id, { usage_alerts: [
      { feature_id: "standard_messages", threshold: 10, threshold_type: "usage", name: "ten" },
      { feature_id: "standard_messages", threshold: 50, threshold_type: "usage_percentage" },
      { threshold: 5, threshold_type: "remaining" },
    ] });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 9 });
    expect(eventsFor(id, "balances.usage_alert_triggered")).toEqual([]);
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 20 });
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 20 });
    expect(eventsFor(id, "balances.usage_alert_triggered")).toEqual([
      { customer_id: id, feature_id: "standard_messages", usage_alert: { name: "ten", threshold: 10, threshold_type: "usage" } },
      { customer_id: id, feature_id: "standard_messages", usage_alert: { threshold: 50, threshold_type: "usage_percentage" } },
      { customer_id: id, feature_id: "standard_messages", usage_alert: { threshold: 5, threshold_type: "remaining" } },
    ]);
  });
});

describe("rollovers", () => {
  it("a positive leftover rolls over at reset, drains first, counts in granted/remaining/usage, and is capped by max", async () => {
    await t.autumn.features.create({ featureId: "tokens", name: "Tokens", type: "metered", consumable: true });
    const created = await t.rpc("plans.create", {
      plan_id: "rolling", name: "Rolling", group: "rolling",
      items: [{ feature_id: "tokens", included: 100, reset: { interval: "month" }, rollover: { max: 50, expiry_duration_type: "month", expiry_duration_length: 1 } }],
    });
    expect(created.status).toBe(200);
    expect((created.body.items as Array<Record<string, unknown>>)[0]?.rollover).toMatchObject({ max: 50, expiry_duration_type: "month", expiry_duration_length: 1 });
    const id = await customer("roll");
    await grant(id, "rolling");
    expect((await bal(id, "tokens"))?.rollovers).toEqual([]);
    await t.autumn.track({ customerId: id, featureId: "tokens", value: 70 });
    const first = (await bal(id, "tokens"))?.nextResetAt ?? 0;
    await t.control("/sandbox/clock/advance", { ms: first - t.sandbox.ctx.now(t.sandbox.store.state.customers[id]) + 1000, customer_id: id });
    const b = await bal(id, "tokens");
    expect(b).toMatchObject({ granted: 130, remaining: 130, usage: 0 });
    const second = b?.nextResetAt ?? 0;
    const d = new Date(second);
    // Expires at the next reset + 1 month (month ends clamped).
    const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 2, 0)).getUTCDate();
    const expiry = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
    expect(b?.rollovers).toEqual([{ granted: 30, balance: 30, expiresAt: expiry }]);
    const r = await t.autumn.track({ customerId: id, featureId: "tokens", value: 10 });
    expect(r.balance).toMatchObject({ granted: 130, remaining: 120, usage: 10 });
    expect(r.balance?.rollovers).toEqual([{ granted: 30, balance: 20, expiresAt: expiry }]);
    // Nothing used in the next cycle: 100 left over, but the pot is capped at 50 (oldest trimmed first).
    await t.autumn.track({ customerId: id, featureId: "tokens", value: -10 });
    await t.control("/sandbox/clock/advance", { ms: second - t.sandbox.ctx.now(t.sandbox.store.state.customers[id]) + 1000, customer_id: id });
    const c = await bal(id, "tokens");
    expect(c?.rollovers?.reduce((s, x) => s + x.balance, 0)).toBe(50);
    expect(c).toMatchObject({ granted: 150, remaining: 150 });
  });

  it("a catalog update whose item no longer carries a rollover removes it from the plan", async () => {
    const feature = { feature_id: "tokens", name: "Tokens", type: "metered", consumable: true };
    const item = { feature_id: "tokens", included: 10, reset: { interval: "month" } };
    const plan = (rollover?: Record<string, unknown>) => ({ plan_id: "unrolled", name: "Unrolled", group: "unrolled", items: [{ ...item, ...(rollover ? { rollover } : {}) }] });
    expect((await t.rpc("catalog.update", { features: [feature], plans: [plan({ max: 5, expiry_duration_type: "month" })] })).status).toBe(200);
    const itemOf = async () => ((await t.rpc("plans.get", { plan_id: "unrolled" })).body.items as Array<Record<string, unknown>>)[0];
    expect((await itemOf())?.rollover).toMatchObject({ max: 5 });
    expect((await t.rpc("catalog.update", { features: [feature], plans: [plan()] })).status).toBe(200);
    expect((await itemOf())?.rollover).toBeUndefined();
  });

  it("a forever rollover reports expires_at 0", async () => {
    await t.rpc("plans.create", {
      plan_id: "rolling_forever", name: "Rolling forever", group: "rolling_forever",
      items: [{ feature_id: "tokens", included: 10, reset: { interval: "month" }, rollover: { max: null, expiry_duration_type: "forever" } }],
    });
    const id = await customer("forever");
    await grant(id, "rolling_forever");
    const next = (await bal(id, "tokens"))?.nextResetAt ?? 0;
    await t.control("/sandbox/clock/advance", { ms: next - t.sandbox.ctx.now(t.sandbox.store.state.customers[id]) + 1000, customer_id: id });
    expect((await bal(id, "tokens"))?.rollovers).toEqual([{ granted: 10, balance: 10, expiresAt: 0 }]);
    const bad = await t.rpc("plans.create", { plan_id: "bad_roll", name: "Bad", items: [{ feature_id: "tokens", included: 1, reset: { interval: "month" }, rollover: { max: 1, max_percentage: 10 } }] });
    expect(bad).toMatchObject({ status: 400, body: { code: "invalid_inputs" } });
  });
});

describe("auto top-ups", () => {
  const advance = (customerId: string, ms: number) => t.control("/sandbox/clock/advance", { ms, customer_id: customerId });
  const topup = { feature_id: "ai_credits", enabled: true, threshold: 100, quantity: 500 };

  it("a track that takes the balance to the threshold charges the card for the pack and pays out the units", async () => {
    const id = await customer("topup");
    await addCard(t, id);
    await t.autumn.billing.attach({ customerId: id, planId: "credit_pack" });
    await controls(id, { auto_topups: [topup] });
    expect(eventsFor(id, "billing.auto_topup_succeeded")).toEqual([]);
    const r = await t.autumn.track({ customerId: id, featureId: "premium_messages", value: 90 });
    expect(r.balance).toMatchObject({ featureId: "ai_credits", remaining: 50 });
    const ok = eventsFor(id, "billing.auto_topup_succeeded");
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({ customer_id: id, feature_id: "ai_credits", quantity_granted: 500, threshold: 100, balance_after: 550, invoice_mode: false,
      invoice: { status: "paid", total: 1000, currency: "usd" } });
    expect(await bal(id, "ai_credits")).toMatchObject({ granted: 1000, remaining: 550, usage: 450 });
    const c = await t.rpc("customers.get", { customer_id: id, expand: ["invoices", "billing_controls.auto_topups.purchase_limit"] });
    expect((c.body.invoices as Array<Record<string, unknown>>).filter((i) => i.total === 10)).toHaveLength(2);
    expect((c.body.billing_controls as Record<string, Array<Record<string, unknown>>>).auto_topups?.[0]?.purchase_limit)
      .toMatchObject({ interval: null, interval_count: null, limit: null, count: 0 });
  });

  it("enabling below the threshold without a card fails with missing_payment_method", async () => {
    const id = await customer("nocard");
    await grant(id, "credit_pack");
    await controls(id, { auto_topups: [{ ...topup, threshold: 500 }] });
    expect(eventsFor(id, "billing.auto_topup_failed")).toEqual([expect.objectContaining({ customer_id: id, feature_id: "ai_credits", reason: "missing_payment_method" })]);
  });

  it("the purchase_limit window blocks further top-ups, reported once", async () => {
    const id = await customer("plimit");
    await addCard(t, id);
    await t.autumn.billing.attach({ customerId: id, planId: "credit_pack" });
    await controls(id, { auto_topups: [{ ...topup, threshold: 2000, purchase_limit: { interval: "month", limit: 1 } }] });
    expect(eventsFor(id, "billing.auto_topup_succeeded")).toHaveLength(1);
    await advance(id, 11 * 60_000);
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 1 });
    await advance(id, 11 * 60_000);
    await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 1 });
    expect(eventsFor(id, "billing.auto_topup_succeeded")).toHaveLength(1);
    expect(eventsFor(id, "billing.auto_topup_failed").map((e) => e.reason)).toEqual(["purchase_limit_reached"]);
  });

  it("a failing card: charge_failed, then suspended after three consecutive failures", async () => {
    const id = await customer("declined");
    await addCard(t, id, "4000000000000341");
    await grant(id, "credit_pack");
    await controls(id, { auto_topups: [{ ...topup, threshold: 1000 }] });
    for (let i = 0; i < 3; i += 1) {
      await advance(id, 61 * 60_000);
      await t.autumn.track({ customerId: id, featureId: "standard_messages", value: 1 });
    }
    const reasons = eventsFor(id, "billing.auto_topup_failed").map((e) => e.reason);
    expect(reasons.slice(0, 3)).toEqual(["charge_failed", "charge_failed", "charge_failed"]);
    expect(reasons[3]).toBe("suspended_after_failures");
    expect(eventsFor(id, "billing.auto_topup_failed")[0]).toMatchObject({ error: { code: "card_declined", type: "card_error" } });
  });
});
