// Provisioning: a new organization gets its Autumn customer (and the free
// default plan) through the better-auth trigger, without org creation ever
// waiting on Autumn or failing because it is down.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { startBillingTest, type BillingTest } from "./testing.helpers";

let b: BillingTest;
beforeAll(async () => {
  b = await startBillingTest();
  await b.t.action(internal.billing.sync.syncPlans, {});
});
afterAll(async () => { await b.close(); });

describe("provisioning", () => {
  it("creating an organization provisions its customer on the free plan, named after the organization, with the owner's email", async () => {
    const owner = await b.signUp("olive@example.com", "Olive Owner");
    const orgId = await b.createOrg(owner, "Olive Co");
    await b.drainScheduled();
    const { billing, role, canManage } = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
    expect({ role, canManage }).toEqual({ role: "owner", canManage: true });
    expect(billing.provisioned).toBe(true);
    expect(billing.plan).toMatchObject({ planId: "free", name: "Free", status: "active" });
    expect(billing.balances.find((x) => x.featureId === "standard_messages")).toMatchObject({ granted: 50, remaining: 50, name: "Standard messages" });
    const customer = await b.autumn.autumn.customers.get({ customerId: orgId });
    expect(customer).toMatchObject({ name: "Olive Co", email: "olive@example.com" });
  });

  it("an org created while Autumn fails is still created; billing is provisioned on retry or lazily", async () => {
    const owner = await b.signUp("fran@example.com", "Fran Fail");
    await b.autumn.control("/sandbox/faults", { route: "customers.get_or_create", mode: "error", status: 503, count: 100 });
    const orgId = await b.createOrg(owner, "Fragile Co");
    await b.drainScheduled();
    const before = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
    expect(before.billing.provisioned).toBe(false);
    // A retry is scheduled with backoff.
    const scheduled = await b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    expect(scheduled.some((s) => s.name.includes("provisionOrganization") && s.state.kind === "pending" && (s.args[0] as { attempt?: number }).attempt === 1)).toBe(true);

    await b.autumn.control("/sandbox/faults", undefined, "DELETE");
    // Lazy fallback: the UI asks, billing appears.
    expect(await b.as(owner, orgId).action(api.billing.api.ensureBilling, {})).toEqual({ ok: true, error: null });
    const after = await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {});
    expect(after.billing.plan?.planId).toBe("free");
  });
});
