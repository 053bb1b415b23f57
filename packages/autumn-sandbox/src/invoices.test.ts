// invoices.list (cursor pages, newest first, filters, limits) and
// invoices.pay (out of band: open → paid, paid unchanged, past due cleared
// once nothing is open), through the unmodified SDK where it can express it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addCard, autumnError, startTestSandbox, type TestSandbox } from "./testing.js";

let t: TestSandbox;
beforeAll(async () => { t = await startTestSandbox(); });
afterAll(async () => { await t.close(); });

const DAY = 86_400_000;
let n = 0;
async function customerWithCard(card = "4242424242424242"): Promise<string> {
  const id = `inv_${++n}_${Date.now()}`;
  await t.autumn.customers.getOrCreate({ customerId: id });
  await addCard(t, id, card);
  return id;
}

describe("invoices.list", () => {
  it("pages newest first with next_cursor, filters by status, refuses bad cursors and limits", async () => {
    const id = await customerWithCard();
    for (let i = 0; i < 3; i += 1) await t.autumn.billing.attach({ customerId: id, planId: "credit_pack" });
    const first = await t.autumn.invoices.list({ customerId: id, limit: 2 });
    expect(first.list).toHaveLength(2);
    expect(first.list[0]).toMatchObject({ customerId: id, status: "paid", total: 10, currency: "usd", processorType: "stripe" });
    expect(first.list[0]!.createdAt).toBeGreaterThanOrEqual(first.list[1]!.createdAt);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await t.autumn.invoices.list({ customerId: id, limit: 2, startCursor: first.nextCursor ?? "" });
    expect(second.list).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.list, ...second.list].map((i) => i.id);
    expect(new Set(ids).size).toBe(3);
    expect((await t.autumn.invoices.list({ customerId: id, status: ["open"] })).list).toEqual([]);
    expect((await t.rpc("invoices.list", { customer_id: id, start_cursor: "garbage!" })).status).toBe(400);
    expect(await t.rpc("invoices.list", { customer_id: id, limit: 1001 })).toMatchObject({ status: 400, body: { code: "invalid_request" } });
    expect(await t.rpc("invoices.list", { entity_id: "e1" })).toMatchObject({ status: 400, body: { code: "invalid_inputs" } });
  });
});

describe("invoices.pay", () => {
  it("marks the open renewal invoice paid out of band and the subscription is current again", async () => {
    const id = await customerWithCard("4000000000000341");
    await t.autumn.billing.attach({ customerId: id, planId: "pro" });
    await t.control("/sandbox/clock/advance", { ms: 8 * DAY, customer_id: id });
    const c = await t.autumn.customers.get({ customerId: id });
    expect(c.subscriptions.find((s) => s.planId === "pro")?.pastDue).toBe(true);
    const open = (await t.autumn.invoices.list({ customerId: id, status: ["open"] })).list;
    expect(open).toHaveLength(1);
    const paid = await t.autumn.invoices.pay({ invoiceId: open[0]!.id });
    expect(paid.invoice).toMatchObject({ id: open[0]!.id, status: "paid", total: 29 });
    expect((await t.autumn.customers.get({ customerId: id })).subscriptions.find((s) => s.planId === "pro")?.pastDue).toBe(false);
    // Paying again returns it unchanged; an unknown id is 404.
    expect((await t.autumn.invoices.pay({ invoiceId: open[0]!.id })).invoice.status).toBe("paid");
    expect((await autumnError(t.autumn.invoices.pay({ invoiceId: "in_nope" }))).status).toBe(404);
  });
});
