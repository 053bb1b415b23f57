// plans.list with customer_id → customer_eligibility per plan, as a running
// real server answered (autumn-controls.md §4, §12.14), through autumn-js.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addCard, startTestSandbox, type TestSandbox } from "./testing.js";

let t: TestSandbox;
beforeAll(async () => { t = await startTestSandbox(); });
afterAll(async () => { await t.close(); });

let seq = 0;
async function customer(prefix: string): Promise<string> {
  seq += 1;
  const id = `${prefix}_${seq}`;
  await t.autumn.customers.getOrCreate({ customerId: id });
  return id;
}
async function eligibility(customerId: string): Promise<Record<string, Record<string, unknown>>> {
  const r = await t.rpc("plans.list", { customer_id: customerId });
  const out: Record<string, Record<string, unknown>> = {};
  for (const p of r.body.list as Array<{ id: string; customer_eligibility: Record<string, unknown> }>) out[p.id] = p.customer_eligibility;
  return out;
}

describe("customer_eligibility", () => {
  it("on the free default: free none/active, pro upgrade with a trial, team upgrade without trial_available, credit_pack purchase", async () => {
    const id = await customer("elig");
    const e = await eligibility(id);
    expect(e.free).toEqual({ status: "active", canceling: false, trialing: false, attach_action: "none" });
    expect(e.pro).toEqual({ trial_available: true, attach_action: "upgrade" });
    expect(e.team).toEqual({ attach_action: "upgrade" });
    expect(e.credit_pack).toEqual({ attach_action: "purchase" });
    const viaSdk = await t.autumn.plans.list({ customerId: id });
    expect(viaSdk.list.find((p) => p.id === "pro")?.customerEligibility).toMatchObject({ trialAvailable: true, attachAction: "upgrade" });
  });

  it("while trialing pro: pro is none/trialing with the trial used, free is a downgrade, team an upgrade; trials_used lists it", async () => {
    const id = await customer("trial");
    await addCard(t, id);
    const r = await t.autumn.billing.attach({ customerId: id, planId: "pro" });
    expect(r.paymentUrl).toBeNull();
    const e = await eligibility(id);
    expect(e.pro).toEqual({ trial_available: false, status: "active", canceling: false, trialing: true, attach_action: "none" });
    expect(e.free).toEqual({ attach_action: "downgrade" });
    expect(e.team).toEqual({ attach_action: "upgrade" });
    const c = await t.rpc("customers.get", { customer_id: id, expand: ["trials_used"] });
    expect(c.body.trials_used).toEqual([expect.objectContaining({ plan_id: "pro", customer_id: id })]);

    await t.autumn.billing.update({ customerId: id, planId: "pro", cancelAction: "cancel_end_of_cycle" });
    const after = await eligibility(id);
    expect(after.pro).toMatchObject({ status: "active", canceling: true, attach_action: "none" });
    expect(after.free).toMatchObject({ status: "scheduled", attach_action: "none" });
  });

  it("on team, pro is a downgrade and its trial is not offered", async () => {
    const id = await customer("down");
    await t.autumn.billing.attach({ customerId: id, planId: "team", noBillingChanges: true });
    const e = await eligibility(id);
    expect(e.pro).toEqual({ trial_available: false, attach_action: "downgrade" });
    expect(e.team).toMatchObject({ status: "active", attach_action: "none" });
  });
});
