// Branding behind `custom_branding`: defaults on the free plan, where saving
// is refused with FEATURE_NOT_AVAILABLE; after an upgrade to Team owners and
// admins save, members are refused, and invalid colours are typed errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { payCheckout } from "../../packages/autumn-sandbox/src/testing";
import { errorData as failure, startBillingTest, type BillingTest, type TestUser } from "../billing/testing.helpers";

let b: BillingTest;
let owner: TestUser;
let member: TestUser;
let orgId: string;

beforeAll(async () => {
  b = await startBillingTest();
  await b.syncCatalog();
  owner = await b.signUp("bea@example.com", "Bea Brand");
  member = await b.signUp("max@example.com", "Max Member");
  orgId = await b.createProvisionedOrg(owner, "Brand Co");
  await b.addMember(owner, orgId, member, "member");
});
afterAll(async () => { await b.close(); });

describe("branding", () => {
  it("on the free plan: defaults, and saving is FEATURE_NOT_AVAILABLE", async () => {
    expect(await b.as(member, orgId).query(api.branding.branding.getBranding, {}))
      .toEqual({ color: "#4f46e5", logoText: "", updatedAt: null, enabled: false });
    expect(await failure(b.as(owner, orgId).mutation(api.branding.branding.saveBranding, { color: "#ff0000", logoText: "Brand" })))
      .toMatchObject({ code: "FEATURE_NOT_AVAILABLE", featureId: "custom_branding" });
  });

  it("after upgrading to Team, owners save; members can't; bad colours are refused", async () => {
    await b.autumn.control("/sandbox/config", { settlement_delay_ms: 0 });
    const res = await b.as(owner, orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: "/billing/success?planId=team" });
    if (res.status !== "redirect") throw new Error(`expected a redirect, got ${res.status}`);
    expect((await payCheckout(res.paymentUrl, "4242 4242 4242 4242")).status).toBe(303);
    await b.autumn.control("/sandbox/checkouts/settle");
    expect(await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId })).toEqual({ ok: true, error: null });
    // The post-checkout watcher's ticks are not needed here.
    const jobs = await b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    for (const job of jobs) if (job.state.kind === "pending") await b.t.run((ctx) => ctx.scheduler.cancel(job._id));

    await b.as(owner, orgId).mutation(api.branding.branding.saveBranding, { color: "#FF0000", logoText: "  Brand Co  " });
    expect(await b.as(member, orgId).query(api.branding.branding.getBranding, {}))
      .toMatchObject({ color: "#ff0000", logoText: "Brand Co", enabled: true });
    expect(await failure(b.as(member, orgId).mutation(api.branding.branding.saveBranding, { color: "#00ff00", logoText: "" })))
      .toMatchObject({ code: "FORBIDDEN" });
    expect(await failure(b.as(owner, orgId).mutation(api.branding.branding.saveBranding, { color: "red", logoText: "" })))
      .toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});
