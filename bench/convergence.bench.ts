// (d) Convergence: from the sandbox settling a payment (POST
// /sandbox/checkouts/settle, the moment Stripe → Autumn activates the plan)
// to the cached plan flipping in getOrgBilling (polled every 5 ms), measured
// on real timers:
//  - webhook on: the sandbox delivers its Svix-signed billing.updated over
//    HTTP to a node:http bridge into the convex-test app (as
//    convex/billing/webhook.test.ts does); the watcher's own tick is canceled
//    so the flip is the webhook's alone;
//  - watcher alone (no webhook): the payment settles right after checkout, so
//    the watcher's first tick (3 s after checkout) sees it.
// A payment that settles after the first tick waits for the next one; that
// case is computed from the watcher's schedule (WATCH_BACKOFF_MS), not waited for.
import { Buffer } from "node:buffer";
import { expect, it } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { startBillingTest, startWebhookBridge, type BillingTest, type TestUser } from "../convex/billing/testing.helpers";
import { WATCH_BACKOFF_MS } from "../convex/billing/watcher";
import { WEBHOOK_SYNC_DELAY_MS } from "../convex/billing/webhook";
import { payCheckout } from "../packages/autumn-sandbox/src/testing";
import { median, progress, sleep, writeResult } from "./lib";

const SECRET = `whsec_${btoa("benchmark-webhook-secret-0123456789")}`;
const RUNS = 3;

let b: BillingTest;
let owner: TestUser;

async function newOrg(name: string): Promise<string> {
  const orgId = await b.createOrg(owner, name);
  await b.drainScheduled();
  return orgId;
}
const planOf = async (orgId: string) => (await b.as(owner, orgId).query(api.billing.api.getOrgBilling, {})).billing.plan?.planId;

/** Checkout team (no card: payment page), pay; returns when paid but not yet settled. */
async function paidCheckout(orgId: string, cancelWatcher: boolean): Promise<number> {
  const res = await b.as(owner, orgId).action(api.billing.purchase.checkout, { planId: "team", successUrl: "/billing/success" });
  if (res.status !== "redirect") throw new Error(`expected a payment page, got ${res.status}`);
  const checkoutAt = performance.now();
  if (cancelWatcher) {
    const jobs = await b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
    for (const j of jobs) {
      if (j.name === "billing/watcher:tick" && j.state.kind === "pending" && (j.args[0] as { organizationId: string }).organizationId === orgId) {
        await b.t.run((ctx) => ctx.scheduler.cancel(j._id));
      }
    }
  }
  expect((await payCheckout(res.paymentUrl, "4242 4242 4242 4242")).status).toBe(303);
  return checkoutAt;
}

/** Settle now, then poll the cache until the plan flips; ms from settling to the flip. */
async function settleAndWait(orgId: string, timeoutMs = 15_000): Promise<number> {
  expect(await planOf(orgId)).toBe("free");
  const t0 = performance.now();
  await b.autumn.control("/sandbox/checkouts/settle");
  for (;;) {
    if ((await planOf(orgId)) === "team") return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error("the cached plan did not flip");
    await sleep(5);
  }
}

it("convergence after a payment settles", async () => {
  b = await startBillingTest();
  process.env.AUTUMN_WEBHOOK_SECRET = SECRET;
  const bridge = await startWebhookBridge(b.t);
  try {
    await b.t.action(internal.billing.sync.syncPlans, {});
    owner = await b.signUp("cora@example.com", "Cora Converge");
    // Payments stay "processing" until the benchmark settles them.
    await b.autumn.control("/sandbox/config", { settlement_delay_ms: 3_600_000, webhook_url: bridge.url, webhook_secret: SECRET });

    const webhook: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const orgId = await newOrg(`Hook Co ${i}`);
      await paidCheckout(orgId, true);
      webhook.push(await settleAndWait(orgId));
      progress(`convergence, webhook on: ${webhook.at(-1)?.toFixed(0)} ms`);
    }
    const deliveries = (await b.autumn.control("/sandbox/webhooks", undefined, "GET")).list as Array<{ status: string }>;
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.every((d) => d.status === "delivered")).toBe(true);

    await b.autumn.control("/sandbox/config", { webhook_url: null });
    // Watcher alone: the runs overlap (each waits ~3 s for its first tick).
    const watcher = await Promise.all(Array.from({ length: RUNS }, async (_, i) => {
      const orgId = await newOrg(`Watch Co ${i}`);
      const checkoutAt = await paidCheckout(orgId, false);
      const ms = await settleAndWait(orgId);
      progress(`convergence, watcher alone: ${ms.toFixed(0)} ms after settling (${(performance.now() - checkoutAt).toFixed(0)} ms after checkout)`);
      return ms;
    }));
    writeResult("convergence", {
      runs: RUNS,
      webhookMs: webhook,
      webhookMedianMs: median(webhook),
      webhookSyncDelayMs: WEBHOOK_SYNC_DELAY_MS,
      watcherMs: watcher,
      watcherMedianMs: median(watcher),
      watchBackoffMs: [...WATCH_BACKOFF_MS],
    });
  } finally {
    await bridge.close();
    delete process.env.AUTUMN_WEBHOOK_SECRET;
    await b.close();
  }
});
