// The smallest end-to-end proof: the unmodified SDK creates a customer who
// gets the free plan, uses a metered feature and sees the balance move.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "./testing.js";

let t: TestSandbox;
beforeAll(async () => { t = await startTestSandbox(); });
afterAll(async () => { await t.close(); });

describe("sandbox smoke", () => {
  it("creates a customer on the free plan and meters usage through autumn-js", async () => {
    const c = await t.autumn.customers.getOrCreate({ customerId: "org_smoke", name: "Smoke Inc" });
    expect(c.subscriptions.map((s) => s.planId)).toEqual(["free"]);
    expect(c.balances.standard_messages?.remaining).toBe(50);
    const tr = await t.autumn.track({ customerId: "org_smoke", featureId: "standard_messages", value: 3 });
    expect(tr.balance?.remaining).toBe(47);
  });
});
