// Bounded arrays on the customer row: Convex caps arrays at 8,192 elements
// (and documents at 1 MiB), so an org that bought a credit pack 9,000 times
// must still sync.
import { describe, expect, it } from "vitest";
import { convexToJson } from "convex/values";
import { customerToRow, MAX_CACHED_INVOICES, MAX_CACHED_PURCHASES, type AutumnCustomer } from "./mapping";

function customerWith(purchases: number): AutumnCustomer {
  return {
    id: "org_many", name: "Many", email: null, createdAt: 0, fingerprint: null, stripeId: null, env: "sandbox", metadata: {},
    sendEmailReceipts: false, billingControls: undefined,
    subscriptions: [], balances: {}, flags: {},
    purchases: Array.from({ length: purchases }, (_, i) => ({
      planId: "credit_pack", plan: { name: "Credit pack" }, startedAt: 1_000 + i, expiresAt: null, quantity: 1,
    })),
    invoices: [],
  } as unknown as AutumnCustomer;
}

describe("customer row bounds", () => {
  it(`keeps the newest ${MAX_CACHED_PURCHASES} purchases (Convex arrays cap at 8,192), newest first`, () => {
    const row = customerToRow("org_many", customerWith(9_000), new Map(), 0);
    expect(row.purchases).toHaveLength(MAX_CACHED_PURCHASES);
    expect(row.purchases[0]?.startedAt).toBe(1_000 + 8_999);
    expect(row.purchases.at(-1)?.startedAt).toBe(1_000 + 9_000 - MAX_CACHED_PURCHASES);
    expect(MAX_CACHED_PURCHASES).toBeLessThan(8_192);
    // The whole row stays far below Convex's 1 MiB document limit.
    expect(JSON.stringify(convexToJson(row as never)).length).toBeLessThan(512 * 1024);
    expect(MAX_CACHED_INVOICES).toBeLessThan(8_192);
  });

  it("a few purchases are all kept", () => {
    expect(customerToRow("org_few", customerWith(3), new Map(), 0).purchases).toHaveLength(3);
  });
});
