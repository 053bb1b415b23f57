// Bodies checked by inputs.ts: a body of the wrong shape is a 400
// invalid_inputs in Autumn's `{message, code, env}` shape and changes
// nothing (plans.create, catalog.update / preview_update, /sandbox/faults);
// a paid checkout whose stored attach body no longer parses settles without
// attaching anything and says why.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "./testing.js";

let t: TestSandbox;
beforeAll(async () => { t = await startTestSandbox(); });
afterAll(async () => { await t.close(); });

/** The catalog and rollover configs as stored, to compare before and after a rejected call. */
const catalog = (): string => {
  const s = t.sandbox.store.state;
  return JSON.stringify({ features: s.features, plans: s.plans, plan_rollovers: s.plan_rollovers ?? {}, plan_controls: s.plan_controls ?? {} });
};

describe("plans.create", () => {
  it.each([
    ["items that are not a list", { items: "seats" }],
    ["an item without feature_id", { items: [{ included: 5 }] }],
    ["a price amount that is a string", { price: { amount: "5", interval: "month" } }],
    ["a price interval Autumn does not have", { price: { amount: 5, interval: "fortnight" } }],
    ["a free trial length that is a string", { free_trial: { duration_length: "7" } }],
    ["an item reset interval Autumn does not have", { items: [{ feature_id: "seats", included: 1, reset: { interval: "decade" } }] }],
    ["a price tier with neither amount nor flat_amount", { items: [{ feature_id: "standard_messages", price: { tiers: [{ to: "inf" }], billing_units: 1, billing_method: "usage_based" } }] }],
  ])("%s → 400 invalid_inputs, no plan created", async (_, extra) => {
    const before = catalog();
    const r = await t.rpc("plans.create", { plan_id: "bad_shape", name: "Bad shape", ...extra });
    expect(r).toMatchObject({ status: 400, body: { code: "invalid_inputs", env: "sandbox" } });
    expect(catalog()).toBe(before);
    expect((await t.rpc("plans.get", { plan_id: "bad_shape" })).status).toBe(404);
  });

  it("a well-formed body with the same fields is created (the rejections above are about shape only)", async () => {
    const r = await t.rpc("plans.create", {
      plan_id: "good_shape", name: "Good shape", add_on: true, price: { amount: 5, interval: "month" },
      items: [{ feature_id: "standard_messages", included: 1, reset: { interval: "month" } }], free_trial: { duration_length: 7 },
    });
    expect(r.status).toBe(200);
    // Autumn's FreeTrialParamsV1Schema: a trial sent without a unit is counted in months.
    expect(r.body).toMatchObject({ id: "good_shape", free_trial: { duration_length: 7, duration_type: "month", card_required: true } });
  });
});

describe("catalog.update and catalog.preview_update", () => {
  const plan = { plan_id: "cat_bad", name: "Cat bad", items: [] };
  it.each([
    ["a plan item whose feature_id is a number", { features: [], plans: [{ ...plan, items: [{ feature_id: 5 }] }] }],
    ["a plan whose add_on is a string", { features: [], plans: [{ ...plan, add_on: "yes" }] }],
    ["a feature whose consumable is a string", { features: [{ feature_id: "cat_bad_f", name: "F", type: "metered", consumable: "yes" }], plans: [] }],
    ["a credit schema entry without a cost", { features: [{ feature_id: "cat_bad_c", name: "C", type: "credit_system", credit_schema: [{ metered_feature_id: "seats" }] }], plans: [] }],
  ])("%s → 400 invalid_inputs on both, nothing changed", async (_, body) => {
    const before = catalog();
    for (const route of ["catalog.preview_update", "catalog.update"]) {
      expect(await t.rpc(route, { ...body, skip_deletions: true })).toMatchObject({ status: 400, body: { code: "invalid_inputs", env: "sandbox" } });
    }
    expect(catalog()).toBe(before);
  });
});

describe("POST /sandbox/faults", () => {
  const post = async (body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${t.url}/sandbox/faults`, {
      method: "POST",
      headers: { authorization: "Bearer am_sk_test_sandbox", "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it.each([
    ["no mode", { route: "customers.get" }],
    ["a mode that does not exist", { route: "customers.get", mode: "explode" }],
    ["a count of 0", { route: "customers.get", mode: "error", count: 0 }],
    ["a status that is not an HTTP status", { route: "customers.get", mode: "error", status: 42 }],
    ["a misspelt field (retry_after for retry_after_s)", { route: "customers.get", mode: "rate_limit", retry_after: 2 }],
  ])("%s → 400 invalid_inputs, no rule added", async (_, body) => {
    expect(await post(body)).toMatchObject({ status: 400, body: { code: "invalid_inputs", env: "sandbox" } });
    expect((await t.control("/sandbox/faults", undefined, "GET")).list).toEqual([]);
    expect((await t.autumn.plans.list({})).list.length).toBeGreaterThan(0);
  });
});

describe("settling a paid checkout", () => {
  it("a stored attach body that no longer parses attaches nothing and records why on the session", async () => {
    const customerId = "stale_checkout";
    await t.autumn.customers.getOrCreate({ customerId });
    const products = JSON.stringify(t.sandbox.store.state.customers[customerId]?.products);
    t.sandbox.store.state.checkouts.cs_stale = {
      id: "cs_stale", customer_id: customerId, plan_id: "pro", kind: "attach",
      attach: { customer_id: customerId, plan_id: 7 },
      success_url: null, cancel_url: null, currency: "usd", lines: [], total: 0, trial_days: null,
      status: "processing", last_error: null, created_at: Date.now(), settles_at: 0,
    };
    await t.control("/sandbox/checkouts/settle");
    const s = t.sandbox.store.state.checkouts.cs_stale;
    expect(s?.status).toBe("complete");
    expect(s?.last_error).toMatch(/plan_id/);
    expect(JSON.stringify(t.sandbox.store.state.customers[customerId]?.products)).toBe(products);
  });
});
