// The one customer-read path (customerAccess.ts), pinned from the outside:
// an org whose Autumn customer has vanished (deleted in Autumn while the
// cache still knows it) is provisioned exactly once, inside the operation,
// and the operation retried once — the same for an owner write (the billing
// portal), an owner read-modify-write (a spend limit), a member read (the
// card on file) and metered work (the reserve). When that provisioning fails, the caller sees why, and the
// operation is not retried. Counts are the sandbox's per-route call stats.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { api } from "../_generated/api";
import { withMeteredUsage } from "./meteredUsage";
import { OWNER_ORG_KEY } from "./ownership";
import { errorData, startBillingTest, type BillingTest, type TestUser } from "./testing.helpers";

let b: BillingTest;
let owner: TestUser;
let member: TestUser;

beforeAll(async () => {
  b = await startBillingTest();
  await b.syncCatalog();
  owner = await b.signUp("olga@example.com", "Olga Owner");
  member = await b.signUp("milo@example.com", "Milo Member");
});
afterAll(async () => { await b.close(); });
afterEach(async () => { await b.autumn.control("/sandbox/faults", undefined, "DELETE"); });

let seq = 0;
/** A provisioned, cached org whose Autumn customer is then deleted; the call stats start from zero. */
async function vanishedOrg(): Promise<string> {
  const orgId = await b.createProvisionedOrg(owner, `Vanished Co ${++seq}`);
  await b.addMember(owner, orgId, member, "member");
  await b.autumn.autumn.customers.delete({ customerId: orgId });
  await b.autumn.control("/sandbox/stats/reset");
  return orgId;
}

describe("one customer-read path: a missing customer is provisioned once and the operation retried once", () => {
  it("the billing portal (an owner write)", async () => {
    const orgId = await vanishedOrg();
    const { url } = await b.as(owner, orgId).action(api.billing.purchase.openBillingPortal, { returnUrl: "/settings/billing" });
    expect(url.startsWith(`${b.autumn.url}/portal/`)).toBe(true);
    const calls = await b.autumnCalls();
    expect(calls["customers.get_or_create"]).toBe(1);
    expect(calls["billing.open_customer_portal"]).toBe(2);
    // Provisioned as ours (the marker), and the next call needs no provisioning.
    expect((await b.autumn.autumn.customers.get({ customerId: orgId })).metadata).toMatchObject({ [OWNER_ORG_KEY]: orgId });
    await b.autumn.control("/sandbox/stats/reset");
    await b.as(owner, orgId).action(api.billing.purchase.openBillingPortal, { returnUrl: "/settings/billing" });
    expect(await b.autumnCalls()).toEqual({ "billing.open_customer_portal": 1 });
  });

  it("a spend limit (an owner read-modify-write: the read is what finds the customer missing)", async () => {
    const orgId = await vanishedOrg();
    const controls = await b.as(owner, orgId).action(api.billing.controlsApi.setSpendLimit, { featureId: "premium_messages", overageLimit: 20 });
    expect(controls.spendLimits).toEqual([expect.objectContaining({ featureId: "premium_messages", overageLimit: 20 })]);
    const calls = await b.autumnCalls();
    expect(calls["customers.get_or_create"]).toBe(1);
    expect(calls["customers.get"]).toBe(2);
    expect(calls["customers.update"]).toBe(1);
    expect((await b.autumn.autumn.customers.get({ customerId: orgId })).billingControls.spendLimits).toHaveLength(1);
  });

  it("the card on file (a member read)", async () => {
    const orgId = await vanishedOrg();
    expect(await b.as(member, orgId).action(api.billing.invoices.getPaymentMethod, {})).toBeNull();
    const calls = await b.autumnCalls();
    expect(calls["customers.get_or_create"]).toBe(1);
    expect(calls["customers.get"]).toBe(2);
  });

  it("metered work (the reserve's check: no guard first, the hot path's one call)", async () => {
    const orgId = await vanishedOrg();
    await b.t.action((ctx) => withMeteredUsage(ctx, { organizationId: orgId, featureId: "standard_messages", units: 1, idempotencyKey: `vanished-${orgId}`, lease: false }, async () => null));
    const calls = await b.autumnCalls();
    expect(calls["customers.get_or_create"]).toBe(1);
    expect(calls["balances.check"]).toBe(2);
  });

  it("when that provisioning fails, its code is the answer and the operation is not retried", async () => {
    const orgId = await vanishedOrg();
    await b.autumn.control("/sandbox/faults", { route: "customers.get_or_create", mode: "error", status: 503, count: 100 });
    expect(await errorData(b.as(owner, orgId).action(api.billing.purchase.openBillingPortal, { returnUrl: "/settings/billing" })))
      .toMatchObject({ code: "AUTUMN_UNAVAILABLE" });
    expect((await b.autumnCalls())["billing.open_customer_portal"]).toBe(1);
    // provisioning.ts's backoff took over; cancel it so its real timer never fires after this suite.
    const jobs = await b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    const retries = jobs.filter((j) => j.name === "billing/provisioning:provisionOrganization" && j.state.kind === "pending");
    expect(retries).toHaveLength(1);
    await b.t.run(async (ctx) => { for (const j of retries) await ctx.scheduler.cancel(j._id); });
  });
});
