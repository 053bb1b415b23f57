import { afterAll, beforeAll, it } from "vitest";
import { internal } from "../_generated/api";
import { startBillingTest, type BillingTest } from "./testing.helpers";
let b: BillingTest;
beforeAll(async () => { b = await startBillingTest(); await b.t.action(internal.billing.sync.syncPlans, {}); });
afterAll(async () => { await b.close(); });
it("probe", async () => {
  const id = "org_probe";
  const sync = () => b.t.action(internal.billing.sync.syncCustomer, { organizationId: id });
  await sync();
  await b.autumn.autumn.billing.attach({ customerId: id, planId: "team", noBillingChanges: true });
  await sync();
  await b.autumn.autumn.billing.attach({ customerId: id, planId: "pro", noBillingChanges: true });
  await sync();
  await b.autumn.control("/sandbox/clock/advance", { ms: 40 * 86400000, customer_id: id });
  await sync();
  // trial conversion
  const id2 = "org_probe2";
  await b.t.action(internal.billing.sync.syncCustomer, { organizationId: id2 });
  await b.autumn.autumn.billing.attach({ customerId: id2, planId: "pro", customize: { freeTrial: { durationLength: 7, durationType: "day", cardRequired: false } } });
  await b.t.action(internal.billing.sync.syncCustomer, { organizationId: id2 });
  await b.autumn.control("/sandbox/clock/advance", { ms: 8 * 86400000, customer_id: id2 });
  await b.t.action(internal.billing.sync.syncCustomer, { organizationId: id2 });
  const h = await b.t.run((ctx) => ctx.db.query("billingSubscriptionHistory").collect());
  console.log(JSON.stringify(h.map((x) => [x.organizationId, x.planId, x.change])));
  const c = await b.t.run((ctx) => ctx.db.query("billingCustomers").collect());
  console.log(JSON.stringify(c.map((x) => x.subscriptions), null, 1));
});
