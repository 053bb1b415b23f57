// The org-scoped billing API as the UI (and other backend modules) use it:
// listPlans and getOrgBilling read the cache only; checkFeature answers from
// the cache with no Autumn call; getFeatureUsage reads Autumn live and
// refreshes the cache (provisioning lazily); access.ts gates other modules.
// Autumn is the local sandbox through the real autumn-js client.
import { ConvexError } from "convex/values";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { payCheckout } from "../../packages/autumn-sandbox/src/testing";
import { getOrgPlanItems, requireFeature } from "./access";
import type { FeatureCheck } from "./entitlements";
import { startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

const DAY = 86_400_000;
const SUCCESS_CARD = "4242 4242 4242 4242";

let b: BillingTest;
let owner: TestUser;
let member: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  // An archived plan in the catalog: listPlans must leave it out.
  const res = await b.autumn.rpc("catalog.update", {
    features: [],
    plans: [{ plan_id: "starter_2023", name: "Starter (2023)", group: "main", price: { amount: 5, interval: "month" }, items: [], archived: true }],
    skip_deletions: true,
  });
  expect(res.status).toBe(200);
  expect(await b.t.action(internal.billing.sync.syncPlans, {})).toMatchObject({ ok: true, plans: 5 });
  owner = await b.signUp("olga@example.com", "Olga Owner");
  member = await b.signUp("mo@example.com", "Mo Member");
});
afterAll(async () => { await b.close(); });
afterEach(async () => { await b.autumn.control("/sandbox/faults", undefined, "DELETE"); });

/** A new org owned by `owner`, provisioned on the free plan by the creation trigger. */
async function newOrg(name: string): Promise<string> {
  const orgId = await b.createOrg(owner, name);
  await b.drainScheduled();
  return orgId;
}
const sync = async (orgId: string): Promise<void> => {
  expect(await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId })).toEqual({ ok: true, error: null });
};
const billingOf = async (orgId: string) => (await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {})).billing;
const check = (orgId: string, featureId: string, required?: number) =>
  b.as(owner, orgId).query(api.billing.api.checkFeature, { featureId, ...(required !== undefined ? { required } : {}) });
const attach = (customerId: string, planId: string) => b.autumn.autumn.billing.attach({ customerId, planId, noBillingChanges: true });
const sandboxCalls = (): Promise<Record<string, number>> => b.autumnCalls();

describe("listPlans", () => {
  it("lists the active plans only, in pricing-table order, for any member", async () => {
    const orgId = await newOrg("Plans Co");
    await b.addMember(owner, orgId, member, "member");
    const plans = await b.as(member, orgId).query(api.billing.api.listPlans, {});
    expect(plans.map((p) => p.planId)).toEqual(["free", "pro", "team", "credit_pack"]);
    expect(plans.every((p) => !p.archived)).toBe(true);
    expect(plans.map((p) => p.sortKey)).toEqual([...plans.map((p) => p.sortKey)].sort((x, y) => x - y));
    expect(plans[1]).toMatchObject({ name: "Pro", price: { amount: 29, currency: "usd", additionalCurrencies: [{ currency: "brl", amount: 87 }] } });
    const all = await b.t.run((ctx) => ctx.db.query("billingPlans").collect());
    expect(all.find((p) => p.planId === "starter_2023")).toMatchObject({ archived: true });
  });
});

describe("getOrgBilling", () => {
  it("a new org: free plan, active, with named balances; owner may manage, a member may only read", async () => {
    const orgId = await newOrg("Free Co");
    await b.addMember(owner, orgId, member, "member");
    const asOwner = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
    expect({ role: asOwner.role, canManage: asOwner.canManage }).toEqual({ role: "owner", canManage: true });
    const { billing } = asOwner;
    expect(billing).toMatchObject({
      organizationId: orgId,
      provisioned: true,
      plan: { planId: "free", name: "Free", status: "active", trialEndsAt: null, canceledAt: null, expiresAt: null, price: null },
      scheduledChange: null,
      addOns: [],
      flags: [],
      invoices: [],
      lastSyncError: null,
    });
    expect(billing.syncedAt).toEqual(expect.any(Number));
    expect(billing.balances.map((x) => [x.featureId, x.name, x.type, x.granted, x.remaining])).toEqual([
      ["seats", "Seats", "metered", 2, 2],
      ["standard_messages", "Standard messages", "metered", 50, 50],
    ]);
    const asMember = await b.as(member, orgId).query(api.billing.api.getOrgBilling, {});
    expect({ role: asMember.role, canManage: asMember.canManage }).toEqual({ role: "member", canManage: false });
    expect(asMember.billing).toEqual(billing);
  });

  it("trialing: pro attached with a 7-day no-card trial", async () => {
    const orgId = await newOrg("Trial Co");
    const r = await b.autumn.autumn.billing.attach({
      customerId: orgId, planId: "pro",
      customize: { freeTrial: { durationLength: 7, durationType: "day", cardRequired: false } },
    });
    expect(r.paymentUrl).toBeNull();
    await sync(orgId);
    const { plan } = await billingOf(orgId);
    expect(plan).toMatchObject({ planId: "pro", name: "Pro", status: "trialing", canceledAt: null, price: { amount: 29 } });
    expect(plan?.trialEndsAt).toBeGreaterThan(Date.now() + 6 * DAY);
    expect(plan?.trialEndsAt).toBeLessThanOrEqual(Date.now() + 7 * DAY + 60_000);
    expect(plan?.currentPeriodEnd).toBe(plan?.trialEndsAt);
    const history = await b.t.run((ctx) => ctx.db.query("billingSubscriptionHistory")
      .withIndex("by_organizationId_at", (q) => q.eq("organizationId", orgId)).collect());
    expect(history.map((h) => [h.planId, h.change])).toContainEqual(["pro", "trial_started"]);
  });

  it("canceling: pro canceled at the end of the cycle shows when it expires", async () => {
    const orgId = await newOrg("Cancel Co");
    await attach(orgId, "pro");
    await b.autumn.autumn.billing.update({ customerId: orgId, planId: "pro", cancelAction: "cancel_end_of_cycle" });
    await sync(orgId);
    const { plan, scheduledChange } = await billingOf(orgId);
    expect(plan).toMatchObject({ planId: "pro", status: "canceling" });
    expect(plan?.canceledAt).toEqual(expect.any(Number));
    expect(plan?.expiresAt).toEqual(expect.any(Number));
    expect(plan?.expiresAt).toBe(plan?.currentPeriodEnd);
    expect(scheduledChange).toBeNull();

    await b.autumn.autumn.billing.update({ customerId: orgId, planId: "pro", cancelAction: "uncancel" });
    await sync(orgId);
    expect((await billingOf(orgId)).plan).toMatchObject({ planId: "pro", status: "active", canceledAt: null, expiresAt: null });
  });

  it("scheduled downgrade: team → pro waits for the period end, then pro takes over", async () => {
    const orgId = await newOrg("Downgrade Co");
    await attach(orgId, "team");
    await attach(orgId, "pro");
    await sync(orgId);
    const before = await billingOf(orgId);
    expect(before.plan).toMatchObject({ planId: "team", name: "Team", status: "active", price: { amount: 99 } });
    expect(before.scheduledChange).toEqual({ planId: "pro", planName: "Pro", startsAt: before.plan?.currentPeriodEnd });
    expect(before.flags.map((f) => f.featureId)).toEqual(["custom_branding", "priority_support"]);

    await b.autumn.control("/sandbox/clock/advance", { ms: 40 * DAY, customer_id: orgId });
    await sync(orgId);
    const after = await billingOf(orgId);
    expect(after.plan).toMatchObject({ planId: "pro", status: "active" });
    expect(after.scheduledChange).toBeNull();
    expect(after.flags.map((f) => f.featureId)).toEqual(["custom_branding"]);
  });

  it("add-on: a credit pack purchase is listed with its balance, next to the main plan", async () => {
    const orgId = await newOrg("Addon Co");
    await attach(orgId, "credit_pack");
    await sync(orgId);
    const billing = await billingOf(orgId);
    expect(billing.plan?.planId).toBe("free");
    expect(billing.addOns).toEqual([{ planId: "credit_pack", planName: "AI credit pack", kind: "purchase", quantity: 1, startedAt: expect.any(Number) }]);
    expect(billing.balances.find((x) => x.featureId === "ai_credits")).toMatchObject({ name: "AI credits", type: "credit_system", granted: 500, remaining: 500 });
  });

  it("invoices: a plan paid with a card on file shows its paid invoice", async () => {
    const orgId = await newOrg("Invoice Co");
    const { url } = await b.autumn.autumn.billing.setupPayment({ customerId: orgId, successUrl: "http://127.0.0.1:3211/billing" });
    expect((await payCheckout(url, SUCCESS_CARD)).status).toBe(303);
    await b.autumn.control("/sandbox/checkouts/settle");
    const r = await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "team" });
    expect(r.paymentUrl).toBeNull();
    await sync(orgId);
    const billing = await billingOf(orgId);
    expect(billing.plan).toMatchObject({ planId: "team", status: "active" });
    expect(billing.invoices).toEqual([{
      stripeId: expect.any(String), planIds: ["team"], status: "paid", total: 99, currency: "usd",
      createdAt: expect.any(Number), hostedInvoiceUrl: expect.stringMatching(/\/invoices\//),
    }]);
  });
});

describe("checkFeature (from the cache)", () => {
  let freeOrg: string;
  let proOrg: string;
  beforeAll(async () => {
    freeOrg = await newOrg("Check Free Co");
    proOrg = await newOrg("Check Pro Co");
    await attach(proOrg, "pro");
    await sync(proOrg);
  });

  it("boolean features follow the plan: custom_branding off on free, on on pro", async () => {
    expect(await check(freeOrg, "custom_branding")).toMatchObject({ allowed: false, included: false, reason: "not_included" });
    expect(await check(proOrg, "custom_branding")).toMatchObject({ allowed: true, included: true, reason: "ok", balance: null });
    expect(await check(freeOrg, "no_such_feature")).toMatchObject({ allowed: false, reason: "unknown_feature" });
  });

  it("metered features report balance numbers; usage tracked in Autumn shows after the next sync", async () => {
    expect(await check(freeOrg, "standard_messages")).toMatchObject({
      allowed: true, included: true, unlimited: false, balance: 50, usage: 0, granted: 50, reason: "ok", requiredBalance: 1,
    });
    expect((await check(freeOrg, "standard_messages")).nextResetAt).toBeGreaterThan(Date.now());
    expect(await check(freeOrg, "standard_messages", 51)).toMatchObject({ allowed: false, reason: "quota_exceeded", requiredBalance: 51 });
    expect(await check(proOrg, "premium_messages")).toMatchObject({ allowed: true, balance: 100, granted: 100 });

    await b.autumn.autumn.track({ customerId: freeOrg, featureId: "standard_messages", value: 20 });
    // The cache has not heard of it yet.
    expect((await check(freeOrg, "standard_messages")).balance).toBe(50);
    await sync(freeOrg);
    expect(await check(freeOrg, "standard_messages")).toMatchObject({ allowed: true, balance: 30, usage: 20, granted: 50 });
    expect(await check(freeOrg, "standard_messages", 30)).toMatchObject({ allowed: true });
    expect(await check(freeOrg, "standard_messages", 31)).toMatchObject({ allowed: false, reason: "quota_exceeded" });
  });

  it("makes no Autumn call at all (nor do getOrgBilling and listPlans)", async () => {
    await b.autumn.control("/sandbox/stats/reset");
    for (let i = 0; i < 10; i++) {
      await check(freeOrg, "standard_messages");
      await check(proOrg, "custom_branding", 1);
      await check(proOrg, "premium_messages", 5);
      await b.as(owner, freeOrg).query(api.billing.api.getOrgBilling, {});
      await b.as(owner, proOrg).query(api.billing.api.listPlans, {});
    }
    expect(await sandboxCalls()).toEqual({});
  });
});

describe("getFeatureUsage (live from Autumn)", () => {
  it("returns Autumn's numbers and refreshes the cache without another sync", async () => {
    const orgId = await newOrg("Usage Co");
    await b.autumn.autumn.track({ customerId: orgId, featureId: "standard_messages", value: 12 });
    await b.autumn.autumn.track({ customerId: orgId, featureId: "seats", value: 1 });
    expect((await billingOf(orgId)).balances.find((x) => x.featureId === "standard_messages")?.usage).toBe(0);

    const usage = await b.as(owner, orgId).action(api.billing.api.getFeatureUsage, {});
    const live = await b.autumn.autumn.customers.get({ customerId: orgId });
    expect(usage.map((u) => u.featureId)).toEqual(Object.keys(live.balances).sort());
    for (const u of usage) {
      const l = live.balances[u.featureId];
      expect(u).toEqual({
        featureId: u.featureId, name: expect.any(String), display: u.display,
        granted: l?.granted, remaining: l?.remaining, usage: l?.usage, unlimited: l?.unlimited, nextResetAt: l?.nextResetAt,
      });
    }
    expect(usage.find((u) => u.featureId === "standard_messages")).toMatchObject({
      name: "Standard messages", display: { singular: "standard messages", plural: "standard messages" }, granted: 50, remaining: 38, usage: 12,
    });
    expect(usage.find((u) => u.featureId === "seats")).toMatchObject({ name: "Seats", usage: 1, remaining: 1 });

    // The cache now holds the same numbers.
    const billing = await billingOf(orgId);
    expect(billing.balances.find((x) => x.featureId === "standard_messages")).toMatchObject({ usage: 12, remaining: 38 });
    expect(await check(orgId, "standard_messages")).toMatchObject({ balance: 38, usage: 12 });
  });

  it("provisions lazily: an org with no customer row (and no Autumn customer) gets one on the free plan", async () => {
    const orgId = await newOrg("Lazy Co");
    await b.t.run(async (ctx) => {
      const row = await ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", orgId)).unique();
      if (row) await ctx.db.delete(row._id);
    });
    await b.autumn.autumn.customers.delete({ customerId: orgId });
    expect((await billingOf(orgId)).provisioned).toBe(false);
    expect(await check(orgId, "standard_messages")).toMatchObject({ allowed: false, reason: "not_provisioned" });

    const usage = await b.as(owner, orgId).action(api.billing.api.getFeatureUsage, {});
    expect(usage.map((u) => [u.featureId, u.granted, u.usage])).toEqual([["seats", 2, 0], ["standard_messages", 50, 0]]);
    const billing = await billingOf(orgId);
    expect(billing).toMatchObject({ provisioned: true, plan: { planId: "free", status: "active" } });
    expect(await b.autumn.autumn.customers.get({ customerId: orgId })).toMatchObject({ name: "Lazy Co", email: "olga@example.com" }); // the organization, with its owner's email
    // ensureBilling on an org that already has billing is a harmless re-sync.
    expect(await b.as(owner, orgId).action(api.billing.api.ensureBilling, {})).toEqual({ ok: true, error: null });
  });
});

describe("access.ts helpers for other modules", () => {
  let freeOrg: string;
  let proOrg: string;
  let packOrg: string;
  beforeAll(async () => {
    [freeOrg, proOrg, packOrg] = [await newOrg("Access Free Co"), await newOrg("Access Pro Co"), await newOrg("Access Pack Co")];
    await attach(proOrg, "pro");
    await attach(packOrg, "credit_pack");
    await Promise.all([sync(proOrg), sync(packOrg)]);
  });

  /** Run requireFeature in a transaction; the check it returns, or the typed error data it threw. */
  function gate(orgId: string, featureId: string, required?: number): Promise<{ ok: FeatureCheck } | { error: unknown }> {
    return b.t.run(async (ctx) => {
      try {
        return { ok: await requireFeature(ctx, orgId, featureId, required) };
      } catch (err) {
        return { error: err instanceof ConvexError ? err.data : String(err) };
      }
    });
  }

  it("getOrgPlanItems lists what the org's plans include", async () => {
    const items = async (orgId: string) =>
      (await b.t.run((ctx) => getOrgPlanItems(ctx, orgId))).map((c) => [c.featureId, c.allowed]).sort();
    expect(await items(freeOrg)).toEqual([["seats", true], ["standard_messages", true]]);
    expect(await items(proOrg)).toEqual([["custom_branding", true], ["premium_messages", true], ["seats", true], ["standard_messages", true]]);
    // Credits pay for both message kinds, so premium messages are included with the pack.
    expect(await items(packOrg)).toEqual([["ai_credits", true], ["premium_messages", true], ["seats", true], ["standard_messages", true]]);
    const premium = (await b.t.run((ctx) => getOrgPlanItems(ctx, packOrg))).find((c) => c.featureId === "premium_messages");
    expect(premium).toMatchObject({ balance: 100, creditCost: 5 });
  });

  it("requireFeature returns the check when allowed", async () => {
    expect(await gate(proOrg, "custom_branding")).toEqual({ ok: expect.objectContaining({ featureId: "custom_branding", allowed: true, reason: "ok" }) });
    expect(await gate(freeOrg, "standard_messages", 10)).toEqual({ ok: expect.objectContaining({ allowed: true, balance: 50, requiredBalance: 10 }) });
  });

  it("FEATURE_NOT_AVAILABLE when the plan lacks the feature", async () => {
    expect(await gate(freeOrg, "custom_branding")).toEqual({
      error: expect.objectContaining({ code: "FEATURE_NOT_AVAILABLE", featureId: "custom_branding", reason: "not_included" }),
    });
  });

  it("FEATURE_NOT_FOUND for an unknown feature id", async () => {
    expect(await gate(freeOrg, "teleportation")).toEqual({ error: expect.objectContaining({ code: "FEATURE_NOT_FOUND", featureId: "teleportation" }) });
  });

  it("QUOTA_EXCEEDED with featureId, remaining and required when the balance runs out", async () => {
    await b.autumn.autumn.track({ customerId: freeOrg, featureId: "standard_messages", value: 47 });
    await sync(freeOrg);
    expect(await gate(freeOrg, "standard_messages", 3)).toEqual({ ok: expect.objectContaining({ allowed: true, balance: 3 }) });
    expect(await gate(freeOrg, "standard_messages", 5)).toEqual({
      error: expect.objectContaining({ code: "QUOTA_EXCEEDED", featureId: "standard_messages", remaining: 3, required: 5 }),
    });
    await b.autumn.autumn.track({ customerId: freeOrg, featureId: "standard_messages", value: 3 });
    await sync(freeOrg);
    expect(await gate(freeOrg, "standard_messages")).toEqual({
      error: expect.objectContaining({ code: "QUOTA_EXCEEDED", featureId: "standard_messages", remaining: 0, required: 1 }),
    });
  });
});

describe("getSubscriptionHistory", () => {
  it("lists the org's plan changes newest first, for any member", async () => {
    const orgId = await newOrg("History Co");
    await attach(orgId, "pro");
    await sync(orgId);
    const history = await b.as(owner, orgId).query(api.billing.api.getSubscriptionHistory, {});
    expect(history.map((h) => `${h.planId}:${h.change}`)).toEqual(expect.arrayContaining(["pro:activated", "free:expired", "free:activated"]));
    expect(history.at(-1)).toMatchObject({ planId: "free", change: "activated" });
    expect(history.every((h, i) => i === 0 || (history[i - 1]?.at ?? 0) >= h.at)).toBe(true);
    expect(await b.as(owner, orgId).query(api.billing.api.getSubscriptionHistory, { limit: 1 })).toHaveLength(1);
  });
});
