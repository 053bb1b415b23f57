// Billing controls through the module's own surface (convex-test, the real
// autumn-js client, the sandbox): controls set in Autumn reach the cache on
// sync; checkFeature, requireFeature and the metered helper honour them;
// confirmed reserves grow the cached window counter so the cache keeps
// agreeing with Autumn without a re-sync.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { requireFeature } from "./access";
import { withMeteredUsage } from "./meteredUsage";
import { errorData, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

let b: BillingTest;
let owner: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  await b.syncCatalog();
  owner = await b.signUp("cleo@example.com", "Cleo Controls");
});
afterAll(async () => { await b.close(); });

let orgSeq = 0;
const newOrg = (): Promise<string> => b.createProvisionedOrg(owner, `Controls Co ${++orgSeq}`);
const sync = async (organizationId: string): Promise<void> => {
  expect(await b.t.action(internal.billing.sync.syncCustomer, { organizationId })).toEqual({ ok: true, error: null });
};
const checkFeature = (orgId: string, featureId: string, required: number, properties?: Record<string, string>) =>
  b.as(owner, orgId).query(api.billing.api.checkFeature, { featureId, required, ...(properties ? { properties } : {}) });
const autumnAllows = async (customerId: string, featureId: string, requiredBalance: number, properties?: Record<string, string>) =>
  (await b.autumn.autumn.check({ customerId, featureId, requiredBalance, ...(properties ? { properties } : {}) })).allowed;
const cachedControls = (orgId: string) =>
  b.t.run(async (ctx) => (await ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", orgId)).unique())?.billingControls);

describe("billing controls in the module", () => {
  it("a usage limit set in Autumn is synced, gates checkFeature and requireFeature with a typed limit, and agrees with Autumn", async () => {
    const orgId = await newOrg();
    await b.autumn.autumn.customers.update({
      customerId: orgId,
      billingControls: { usageLimits: [{ featureId: "standard_messages", enabled: true, limit: 5, interval: "day" }] },
    });
    await sync(orgId);
    const controls = await cachedControls(orgId);
    expect(controls?.usageLimits).toEqual([expect.objectContaining({ featureId: "standard_messages", limit: 5, usage: 0, interval: "day", anchor: "billing_cycle", filter: [] })]);
    expect(controls?.usageLimits[0]?.windowEndsAt).toBeGreaterThan(Date.now());

    expect(await checkFeature(orgId, "standard_messages", 5)).toMatchObject({ allowed: true });
    expect(await checkFeature(orgId, "standard_messages", 6)).toMatchObject({ allowed: false, reason: "quota_exceeded", limitType: "usage_limit", balance: 50 });
    expect(await autumnAllows(orgId, "standard_messages", 6)).toBe(false);
    const denied = await errorData(b.t.run((ctx) => requireFeature(ctx, orgId, "standard_messages", 6)));
    expect(denied).toMatchObject({ code: "QUOTA_EXCEEDED", featureId: "standard_messages", limitType: "usage_limit", remaining: 50, required: 6 });
  });

  it("confirmed reserves grow the cached window counter, so the cache refuses exactly when Autumn does, with no re-sync", async () => {
    const orgId = await newOrg();
    await b.autumn.autumn.customers.update({
      customerId: orgId,
      billingControls: { usageLimits: [{ featureId: "standard_messages", enabled: true, limit: 5, interval: "month" }] },
    });
    await sync(orgId);
    await b.t.action((ctx) => withMeteredUsage(ctx, { organizationId: orgId, featureId: "standard_messages", units: 3, idempotencyKey: "ctl-1" }, async () => null));
    expect((await cachedControls(orgId))?.usageLimits[0]?.usage).toBe(3);
    for (const required of [1, 2, 3]) {
      const ours = (await checkFeature(orgId, "standard_messages", required)).allowed;
      expect({ required, ours }).toEqual({ required, ours: await autumnAllows(orgId, "standard_messages", required) });
    }
    // Autumn refuses the reserve itself past the window headroom (a lock takes headroom, §1.5).
    const refused = await errorData(b.t.action((ctx) =>
      withMeteredUsage(ctx, { organizationId: orgId, featureId: "standard_messages", units: 3, idempotencyKey: "ctl-2" }, async () => null)));
    expect(refused).toMatchObject({ code: "QUOTA_EXCEEDED" });
    // A sync reads the same counter back.
    await sync(orgId);
    expect((await cachedControls(orgId))?.usageLimits[0]?.usage).toBe(3);
  });

  it("a filtered usage limit gates only checks carrying matching properties, in the cache as at Autumn", async () => {
    const orgId = await newOrg();
    await b.autumn.autumn.customers.update({
      customerId: orgId,
      billingControls: { usageLimits: [{ featureId: "standard_messages", enabled: true, limit: 0, interval: "month", filter: { properties: { model: "swift-mini" } } }] },
    });
    await sync(orgId);
    for (const properties of [undefined, { model: "swift-mini" }, { model: "other" }]) {
      const ours = (await checkFeature(orgId, "standard_messages", 1, properties)).allowed;
      expect({ properties, ours }).toEqual({ properties, ours: await autumnAllows(orgId, "standard_messages", 1, properties) });
    }
    expect((await checkFeature(orgId, "standard_messages", 1, { model: "swift-mini" })).limitType).toBe("usage_limit");
  });

  it("overage switched off and a spend limit are honoured by the cache (team: premium is usage-based past 1000)", async () => {
    const orgId = await newOrg();
    await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "team", noBillingChanges: true });
    await b.autumn.autumn.customers.update({
      customerId: orgId,
      billingControls: { spendLimits: [{ featureId: "premium_messages", enabled: true, overageLimit: 20 }] },
    });
    await b.autumn.autumn.track({ customerId: orgId, featureId: "premium_messages", value: 1010 });
    await sync(orgId);
    for (const required of [1, 10, 11]) {
      const ours = (await checkFeature(orgId, "premium_messages", required)).allowed;
      expect({ required, ours }).toEqual({ required, ours: await autumnAllows(orgId, "premium_messages", required) });
    }
    expect((await checkFeature(orgId, "premium_messages", 11)).limitType).toBe("spend_limit");
    await b.autumn.autumn.customers.update({ customerId: orgId, billingControls: { overageAllowed: [{ featureId: "premium_messages", enabled: false }] } });
    await sync(orgId);
    expect(await checkFeature(orgId, "premium_messages", 1)).toMatchObject({ allowed: false, limitType: "included" });
    expect(await autumnAllows(orgId, "premium_messages", 1)).toBe(false);
  });
});
