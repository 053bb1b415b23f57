// Owner spend controls (issue 14) through the module's surface, against the
// sandbox with the real autumn-js client: each control is set by an owner,
// lands in Autumn and in the cache at once, and the cache's verdicts agree
// with Autumn's; alerts notify once per threshold per period (cache path and
// webhook path share the key); auto top-up success and failure reach owners;
// a past-due org pays through the payment page and the state clears.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, internal } from "../_generated/api";
import { payCheckout } from "../../packages/autumn-sandbox/src/testing";
import { withMeteredUsage } from "./meteredUsage";
import { errorData, startBillingTest, startWebhookBridge, type BillingTest, type TestUser } from "./testing.helpers";

const SECRET = `whsec_${btoa("spend-controls-webhook-secret-0123")}`;
const DAY = 86_400_000;
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

let seq = 0;
const newOrg = async (withMember = false): Promise<string> => {
  const id = await b.createProvisionedOrg(owner, `Spend Co ${++seq}`);
  if (withMember) await b.addMember(owner, id, member, "member");
  return id;
};
const row = (orgId: string) => b.t.run(async (ctx) => ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", orgId)).unique());
const agree = async (orgId: string, featureId: string, required: number) => {
  const ours = (await b.as(owner, orgId).query(api.billing.api.checkFeature, { featureId, required })).allowed;
  const theirs = (await b.autumn.autumn.check({ customerId: orgId, featureId, requiredBalance: required })).allowed;
  return { required, ours, theirs };
};
const use = (orgId: string, featureId: string, units: number, key: string) =>
  b.t.action((ctx) => withMeteredUsage(ctx, { organizationId: orgId, featureId, units, idempotencyKey: key }, async () => null));
const notes = (orgId: string, who = owner) => b.as(who, orgId).query(api.billing.notifications.listNotifications, {});
const outbox = (orgId: string) => b.t.run((ctx) => ctx.db.query("billingEmailOutbox").withIndex("by_org_createdAt", (q) => q.eq("organizationId", orgId)).collect());
async function addCard(orgId: string, card = "4242424242424242"): Promise<void> {
  const s = await b.autumn.autumn.billing.setupPayment({ customerId: orgId });
  expect((await payCheckout(s.url, card)).status).toBeLessThan(400);
  await b.autumn.control("/sandbox/checkouts/settle");
}

describe("spend and usage controls", () => {
  it("a usage limit: owner-only, validated, in Autumn and the cache at once, enforced alike", async () => {
    const orgId = await newOrg(true);
    const set = (who: TestUser, args: { featureId: string; limit: number | null; interval?: "day" | "month" }) =>
      b.as(who, orgId).action(api.billing.controlsApi.setUsageLimit, args);
    expect(await errorData(set(member, { featureId: "standard_messages", limit: 5 }))).toMatchObject({ code: "FORBIDDEN" });
    expect(await errorData(set(owner, { featureId: "standard_messages", limit: -1 }))).toMatchObject({ code: "INVALID_ARGUMENT", field: "limit" });
    expect(await errorData(set(owner, { featureId: "standard_messages", limit: 2.5 }))).toMatchObject({ code: "INVALID_ARGUMENT", field: "limit" });
    expect(await errorData(set(owner, { featureId: "nope", limit: 5 }))).toMatchObject({ code: "INVALID_ARGUMENT", field: "featureId" });
    expect(await errorData(set(owner, { featureId: "custom_branding", limit: 5 }))).toMatchObject({ code: "INVALID_ARGUMENT", field: "featureId" });

    const controls = await set(owner, { featureId: "standard_messages", limit: 5, interval: "day" });
    expect(controls.usageLimits).toEqual([expect.objectContaining({ featureId: "standard_messages", limit: 5, interval: "day", enabled: true })]);
    // No sync: the cache already has it, and members see it.
    expect((await row(orgId))?.billingControls?.usageLimits).toEqual([expect.objectContaining({ featureId: "standard_messages", limit: 5 })]);
    expect((await b.as(member, orgId).query(api.billing.controlsApi.getSpendControls, {})).canManage).toBe(false);
    for (const r of [5, 6]) expect(await agree(orgId, "standard_messages", r)).toMatchObject({ ours: r <= 5, theirs: r <= 5 });
    await use(orgId, "standard_messages", 5, "ul-1");
    expect(await errorData(use(orgId, "standard_messages", 1, "ul-2"))).toMatchObject({ code: "QUOTA_EXCEEDED", limitType: "usage_limit" });
    expect(await b.as(member, orgId).query(api.billing.api.checkFeature, { featureId: "standard_messages" }))
      .toMatchObject({ allowed: false, limitType: "usage_limit" });
    // Raising it unblocks at once, in both.
    await set(owner, { featureId: "standard_messages", limit: 10, interval: "day" });
    expect(await agree(orgId, "standard_messages", 1)).toMatchObject({ ours: true, theirs: true });
    // Usage tracked elsewhere (the cache's window is behind): Autumn refuses, and the error still names the usage limit.
    await b.autumn.autumn.track({ customerId: orgId, featureId: "standard_messages", value: 5 });
    expect(await errorData(use(orgId, "standard_messages", 1, "ul-3"))).toMatchObject({ code: "QUOTA_EXCEEDED", limitType: "usage_limit" });
    await set(owner, { featureId: "standard_messages", limit: null });
    expect((await row(orgId))?.billingControls?.usageLimits).toEqual([]);
  });

  it("spend limit and overage switch on team's usage-based premium; each write keeps the other keys' entries", async () => {
    const orgId = await newOrg();
    await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "team", noBillingChanges: true });
    await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId });
    const as = b.as(owner, orgId);
    expect(await errorData(as.action(api.billing.controlsApi.setSpendLimit, { featureId: "premium_messages", overageLimit: Number.NaN })))
      .toMatchObject({ code: "INVALID_ARGUMENT", field: "overageLimit" });
    await as.action(api.billing.controlsApi.setSpendLimit, { featureId: "premium_messages", overageLimit: 20 });
    await as.action(api.billing.controlsApi.setUsageLimit, { featureId: "standard_messages", limit: 100 });
    const c = await b.autumn.autumn.customers.get({ customerId: orgId });
    expect(c.billingControls.spendLimits).toEqual([expect.objectContaining({ featureId: "premium_messages", overageLimit: 20, enabled: true })]);
    expect(c.billingControls.usageLimits).toEqual([expect.objectContaining({ featureId: "standard_messages", limit: 100 })]);
    await b.autumn.autumn.track({ customerId: orgId, featureId: "premium_messages", value: 1010 });
    await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId });
    for (const r of [10, 11]) expect(await agree(orgId, "premium_messages", r)).toMatchObject({ ours: r <= 10, theirs: r <= 10 });
    expect((await as.query(api.billing.api.checkFeature, { featureId: "premium_messages", required: 11 })).limitType).toBe("spend_limit");
    await as.action(api.billing.controlsApi.setOverageAllowed, { featureId: "premium_messages", enabled: false });
    expect(await agree(orgId, "premium_messages", 1)).toMatchObject({ ours: false, theirs: false });
    expect((await b.autumn.autumn.customers.get({ customerId: orgId })).billingControls.spendLimits).toHaveLength(1);
    // Next charge: $99 + 10 premium over the grant at $0.02.
    expect(await as.query(api.billing.invoices.getNextCharge, {})).toMatchObject({ planId: "team", planAmount: 99, overageSoFar: 0.2, total: 99.2 });
  });
});

describe("usage alerts (no webhook: the cache sees the crossing)", () => {
  it("saving the form's alerts keeps the ones it cannot show, and a kept alert keeps its own settings", async () => {
    const orgId = await newOrg();
    // Set in Autumn directly (dashboard or API): any-feature, a remaining share, and a disabled 50 % alert.
    await b.autumn.autumn.customers.update({ customerId: orgId, billingControls: { usageAlerts: [
      { enabled: true, threshold: 90, thresholdType: "usage_percentage" },
      { featureId: "standard_messages", enabled: true, threshold: 10, thresholdType: "remaining_percentage" },
      { featureId: "standard_messages", enabled: false, threshold: 50, thresholdType: "usage_percentage" },
    ] } });
    await b.as(owner, orgId).action(api.billing.controlsApi.setUsageAlerts, { alerts: [
      { featureId: "standard_messages", thresholdType: "usage_percentage", threshold: 50 },
      { featureId: "standard_messages", thresholdType: "remaining", threshold: 5 },
    ] });
    const alerts = (await b.autumn.autumn.customers.get({ customerId: orgId })).billingControls.usageAlerts ?? [];
    expect(alerts.map((a) => [a.featureId ?? null, a.thresholdType, a.threshold, a.enabled]).sort()).toEqual([
      [null, "usage_percentage", 90, true],
      ["standard_messages", "remaining", 5, true],
      ["standard_messages", "remaining_percentage", 10, true],
      ["standard_messages", "usage_percentage", 50, false],
    ].sort());
  });

  it("80 % of standard messages: one notification and one owner email per period, whatever happens after", async () => {
    const orgId = await newOrg(true);
    const as = b.as(owner, orgId);
    expect(await errorData(as.action(api.billing.controlsApi.setUsageAlerts, { alerts: [{ featureId: "standard_messages", thresholdType: "usage_percentage", threshold: 0 }] })))
      .toMatchObject({ code: "INVALID_ARGUMENT", field: "threshold" });
    await as.action(api.billing.controlsApi.setUsageAlerts, { alerts: [
      { featureId: "standard_messages", thresholdType: "usage_percentage", threshold: 80 },
      { featureId: "standard_messages", thresholdType: "usage_percentage", threshold: 100 },
    ] });
    expect((await b.autumn.autumn.customers.get({ customerId: orgId })).billingControls.usageAlerts).toHaveLength(2);
    await use(orgId, "standard_messages", 39, "al-1");
    expect(await notes(orgId)).toEqual([]);
    await use(orgId, "standard_messages", 2, "al-2");
    await use(orgId, "standard_messages", 1, "al-3");
    await b.t.action(internal.billing.sync.syncCustomer, { organizationId: orgId });
    const list = await notes(orgId, member);
    expect(list.map((n) => n.title)).toEqual(["80% of Standard messages used"]);
    expect(await b.as(member, orgId).query(api.billing.notifications.unreadCount, {})).toEqual({ count: 1, capped: false });
    const mail = await outbox(orgId);
    expect(mail).toEqual([expect.objectContaining({ to: "olga@example.com", status: "local", provider: "local", subject: expect.stringContaining("80% of Standard messages used") })]);
    await use(orgId, "standard_messages", 8, "al-4");
    expect((await notes(orgId)).map((n) => n.title)).toEqual(["100% of Standard messages used", "80% of Standard messages used"]);
    expect(await outbox(orgId)).toHaveLength(2);
    expect(await b.as(member, orgId).mutation(api.billing.notifications.markRead, {})).toBe(2);
    expect(await b.as(owner, orgId).query(api.billing.notifications.unreadCount, {})).toEqual({ count: 0, capped: false });
  });
});

describe("with Autumn's webhooks", () => {
  let bridge: { url: string; close(): Promise<void> };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function settle(): Promise<void> {
    for (let i = 0; i < 200; i += 1) {
      await b.t.finishInProgressScheduledFunctions();
      const busy = (await b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect()))
        .filter((j) => (j.state.kind === "pending" || j.state.kind === "inProgress") && j.scheduledTime < Date.now() + 3_000);
      const pending = ((await b.autumn.control("/sandbox/webhooks", undefined, "GET")).list as Array<{ status: string }>).filter((d) => d.status === "pending");
      if (busy.length === 0 && pending.length === 0) return;
      await sleep(50);
    }
  }
  beforeAll(async () => {
    process.env.AUTUMN_WEBHOOK_SECRET = SECRET;
    bridge = await startWebhookBridge(b.t);
    await b.autumn.control("/sandbox/config", { webhook_url: bridge.url, webhook_secret: SECRET });
  });
  afterAll(async () => {
    await b.autumn.control("/sandbox/config", { webhook_url: null, webhook_secret: null });
    delete process.env.AUTUMN_WEBHOOK_SECRET;
    await bridge.close();
  });

  it("usage_alert_triggered and limit_reached from Autumn: one notification each, shared with the cache's key", async () => {
    const orgId = await newOrg();
    await b.as(owner, orgId).action(api.billing.controlsApi.setUsageAlerts, { alerts: [{ featureId: "standard_messages", thresholdType: "remaining", threshold: 10 }] });
    await b.autumn.autumn.track({ customerId: orgId, featureId: "standard_messages", value: 45 });
    await settle();
    await use(orgId, "standard_messages", 1, "wh-1"); // the cache sees nothing new: already past
    await b.autumn.autumn.track({ customerId: orgId, featureId: "standard_messages", value: 10 });
    await settle();
    const titles = (await notes(orgId)).map((n) => n.title).sort();
    expect(titles).toEqual(["10 Standard messages left", "Standard messages limit reached"]);
    expect(await outbox(orgId)).toHaveLength(2);
  });

  it("auto top-up: set by the owner, Autumn buys the pack (cache at once), a success is in the bell", async () => {
    const orgId = await newOrg();
    await addCard(orgId);
    await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "credit_pack" });
    const as = b.as(owner, orgId);
    expect(await errorData(as.action(api.billing.topups.setAutoTopup, { featureId: "ai_credits", enabled: true, threshold: 600, packPlanId: "pro", maxPerMonth: 2 })))
      .toMatchObject({ code: "INVALID_ARGUMENT", field: "packPlanId" });
    expect(await errorData(as.action(api.billing.topups.setAutoTopup, { featureId: "ai_credits", enabled: true, threshold: 600, packPlanId: "credit_pack", maxPerMonth: 0 })))
      .toMatchObject({ code: "INVALID_ARGUMENT", field: "maxPerMonth" });
    const controls = await as.action(api.billing.topups.setAutoTopup, { featureId: "ai_credits", enabled: true, threshold: 600, packPlanId: "credit_pack", maxPerMonth: 2 });
    expect(controls.autoTopups).toEqual([expect.objectContaining({ featureId: "ai_credits", threshold: 600, quantity: 500, purchaseLimit: { interval: "month", intervalCount: 1, limit: 2 } })]);
    await settle();
    expect((await row(orgId))?.balances.find((x) => x.featureId === "ai_credits")).toMatchObject({ granted: 1000 });
    expect((await notes(orgId)).map((n) => n.kind)).toContain("auto_topup_succeeded");
  });

  it("auto top-up failure (no card on file) notifies and emails the owners", async () => {
    const orgId = await newOrg();
    await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "credit_pack", noBillingChanges: true });
    await b.as(owner, orgId).action(api.billing.topups.setAutoTopup, { featureId: "ai_credits", enabled: true, threshold: 600, packPlanId: "credit_pack", maxPerMonth: 1 });
    await settle();
    const failed = (await notes(orgId)).filter((n) => n.kind === "auto_topup_failed");
    expect(failed).toEqual([expect.objectContaining({ body: expect.stringContaining("missing payment method") })]);
    expect((await outbox(orgId)).map((m) => m.subject)).toEqual([expect.stringContaining("Auto top-up of AI credits failed")]);
  });

  it("past due: the banner state, Pay now's payment page pays the open invoice, and the state clears", async () => {
    const orgId = await newOrg();
    await addCard(orgId, "4000000000000341");
    await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "pro" });
    await b.autumn.control("/sandbox/clock/advance", { ms: 8 * DAY, customer_id: orgId });
    await settle();
    const as = b.as(owner, orgId);
    const due = await as.query(api.billing.invoices.getPastDue, {});
    expect(due).toMatchObject({ pastDue: true, canPay: true, openInvoices: [expect.objectContaining({ total: 29 })] });
    const page = await as.action(api.billing.invoices.listInvoices, { limit: 1 });
    expect(page.invoices).toHaveLength(1);
    expect(page.invoices[0]).toMatchObject({ status: "open", total: 29 });
    expect(page.nextCursor).toBeNull(); // the trial started at $0 with no invoice (paging: autumn-sandbox invoices.test.ts)
    expect(await as.action(api.billing.invoices.getPaymentMethod, {})).toEqual({ brand: "visa", last4: "0341", expMonth: 12, expYear: 2034 });
    expect(await errorData(b.as(member, orgId).action(api.billing.invoices.openPaymentSetup, { returnUrl: "/settings/billing" }))).toMatchObject({ code: "FORBIDDEN" });
    const { url } = await as.action(api.billing.invoices.openPaymentSetup, { returnUrl: "/settings/billing" });
    expect((await payCheckout(url, "4242424242424242")).status).toBeLessThan(400);
    await b.autumn.control("/sandbox/checkouts/settle");
    await settle();
    expect(await as.query(api.billing.invoices.getPastDue, {})).toMatchObject({ pastDue: false, openInvoices: [] });
    expect(await as.action(api.billing.invoices.getPaymentMethod, {})).toMatchObject({ last4: "4242" });
  });
});
