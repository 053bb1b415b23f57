// Autumn webhooks at POST /autumn-webhook: Svix signatures verified on the raw
// body with the `svix` library, replays dropped by event id, and every
// accepted event turned into a re-fetch of the customer (never the payload).
// The first test has the sandbox itself deliver a real signed event over HTTP
// (through a small node:http bridge into convex-test); the others sign their
// own requests with svix's Webhook.sign. Nothing is mocked.
import { Buffer } from "node:buffer";
import { Webhook } from "svix";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { internal } from "../_generated/api";
import type { Doc } from "../_generated/dataModel";
import crons from "../crons";
import { startBillingTest, startWebhookBridge, type BillingTest, type TestUser } from "./testing.helpers";
import { WEBHOOK_PRUNE_BATCH } from "./webhook";

const SECRET = `whsec_${btoa("autumn-webhook-test-secret-0123456789")}`;
const OTHER_SECRET = `whsec_${btoa("somebody-else-entirely-9876543210")}`;
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let b: BillingTest;
let owner: TestUser;
let orgId: string;
let bridge: { url: string; close(): Promise<void> };
let bridgeUrl: string;

beforeAll(async () => {
  b = await startBillingTest();
  process.env.AUTUMN_WEBHOOK_SECRET = SECRET;
  await b.t.action(internal.billing.sync.syncPlans, {});
  owner = await b.signUp("wendy@example.com", "Wendy Webhook");
  orgId = await b.createOrg(owner, "Hooked Co");
  await b.drainScheduled();

  // The sandbox delivers real signed webhooks to this URL (see startWebhookBridge).
  bridge = await startWebhookBridge(b.t);
  bridgeUrl = bridge.url;
});
afterAll(async () => {
  await bridge.close();
  await b.close();
});
afterEach(() => { process.env.AUTUMN_WEBHOOK_SECRET = SECRET; });

// ── helpers ────────────────────────────────────────────────────────────────

function signedHeaders(body: string, opts: { id?: string; at?: Date; secret?: string } = {}): Record<string, string> {
  const id = opts.id ?? `msg_${crypto.randomUUID().replace(/-/g, "")}`;
  const at = opts.at ?? new Date();
  return {
    "content-type": "application/json",
    "svix-id": id,
    "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
    "svix-signature": new Webhook(opts.secret ?? SECRET).sign(id, at, body),
  };
}

async function post(body: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const res = await b.t.fetch("/autumn-webhook", { method: "POST", headers, body });
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") ? (JSON.parse(text) as Record<string, string>) : { text } };
}

function billingUpdated(customerId: string, planId = "free", extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: "billing.updated",
    data: {
      object: "billing.updated",
      customer_id: customerId,
      plan_changes: [{ action: "activated", subscription: { plan_id: planId, status: "active", past_due: false }, previous_attributes: null, item_changes: [] }],
      tags: [],
      ...extra,
    },
  });
}

async function jobs() {
  return b.t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
}
async function refreshJobs(organizationId: string, kinds = ["pending", "inProgress"]) {
  return (await jobs()).filter((j) => j.name.includes("webhook:refreshCustomer") &&
    (j.args[0] as { organizationId: string }).organizationId === organizationId && kinds.includes(j.state.kind));
}
async function ledger(): Promise<Array<Doc<"billingWebhookEvents">>> {
  return b.t.run((ctx) => ctx.db.query("billingWebhookEvents").collect());
}
async function row(organizationId: string): Promise<Doc<"billingCustomers"> | null> {
  return b.t.run((ctx) => ctx.db.query("billingCustomers").withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId)).unique());
}

/** Run scheduled work due within the next few seconds (webhook syncs wait 1 s), until none is left. */
async function settle(timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await b.t.finishInProgressScheduledFunctions();
    const busy = (await jobs()).filter((j) => (j.state.kind === "pending" || j.state.kind === "inProgress") && j.scheduledTime < Date.now() + 5_000);
    if (busy.length === 0) return;
    if (Date.now() > until) throw new Error(`scheduled work did not settle: ${busy.map((j) => j.name).join(", ")}`);
    await sleep(50);
  }
}

async function standardUsage(organizationId: string): Promise<number | undefined> {
  return (await row(organizationId))?.balances.find((x) => x.featureId === "standard_messages")?.usage;
}

// ── tests ──────────────────────────────────────────────────────────────────

describe("autumn webhook", () => {
  it("the sandbox delivers a real signed billing.updated over HTTP; the org's cache follows Autumn", async () => {
    await b.autumn.control("/sandbox/config", { webhook_url: bridgeUrl, webhook_secret: SECRET });
    try {
      expect((await row(orgId))?.subscriptions.map((s) => s.planId)).toEqual(["free"]);
      await b.autumn.autumn.billing.attach({ customerId: orgId, planId: "pro", noBillingChanges: true });
      // The sandbox's deliveries (billing.updated + legacy customer.products.updated), attempted now.
      await b.autumn.sandbox.flushWebhooks();
      const deliveries = (await b.autumn.control("/sandbox/webhooks", undefined, "GET")).list as Array<{ type: string; status: string; last_status: number | null }>;
      expect(deliveries.map((d) => [d.type, d.status, d.last_status])).toEqual([
        ["billing.updated", "delivered", 200],
        ["customer.products.updated", "delivered", 200],
      ]);
      const events = (await ledger()).filter((e) => e.organizationId === orgId);
      expect(events.map((e) => e.type).sort()).toEqual(["billing.updated", "customer.products.updated"]);
      // Both events for one change share one sync (the second arrived before the first's sync started).
      expect(events[0]?.syncJobId).not.toBeNull();
      expect(events[1]?.syncJobId).toBe(events[0]?.syncJobId);

      await settle();
      const cached = await row(orgId);
      expect(cached?.subscriptions.find((s) => s.planId === "pro")).toMatchObject({ planName: "Pro", status: "active" });
      const live = await b.autumn.autumn.customers.get({ customerId: orgId });
      expect(cached?.subscriptions.map((s) => s.planId).sort()).toEqual(live.subscriptions.map((s) => s.planId).sort());
    } finally {
      await b.autumn.control("/sandbox/config", { webhook_url: null, webhook_secret: null });
    }
  });

  it("a valid event answers 200 and schedules one sync; events for the same org before it starts share it", async () => {
    await settle();
    const first = await post(billingUpdated(orgId), signedHeaders(billingUpdated(orgId)));
    expect(first).toEqual({ status: 200, body: { status: "accepted" } });
    // The legacy event names the customer as data.customer.id.
    const legacy = JSON.stringify({ type: "customer.products.updated", data: { scenario: "upgrade", customer: { id: orgId }, updated_product: { id: "pro" } } });
    expect(await post(legacy, signedHeaders(legacy))).toEqual({ status: 200, body: { status: "coalesced" } });
    const pending = await refreshJobs(orgId);
    expect(pending).toHaveLength(1);
    expect(pending[0]?.state.kind).toBe("pending");
    const before = (await row(orgId))?.syncedAt ?? 0;
    await settle();
    expect((await refreshJobs(orgId, ["success"])).length).toBeGreaterThan(0);
    expect((await row(orgId))?.syncedAt).toBeGreaterThan(before);
  });

  it("a forged signature, a stale timestamp or missing headers are rejected with nothing written or scheduled", async () => {
    await settle();
    const body = billingUpdated(orgId);
    const ledgerBefore = (await ledger()).length;
    const jobsBefore = (await jobs()).length;

    const forged = await post(body, signedHeaders(body, { secret: OTHER_SECRET }));
    expect(forged).toEqual({ status: 401, body: { error: "invalid_signature" } });
    // A valid signature over a different body (tampered payload) is forged too.
    const tampered = await post(body.replace("free", "enterprise"), signedHeaders(body));
    expect(tampered.status).toBe(401);
    const stale = await post(body, signedHeaders(body, { at: new Date(Date.now() - 6 * 60_000) }));
    expect(stale).toEqual({ status: 401, body: { error: "stale_timestamp" } });
    const future = await post(body, signedHeaders(body, { at: new Date(Date.now() + 10 * 60_000) }));
    expect(future.status).toBe(401);
    const bare = await post(body, { "content-type": "application/json" });
    expect(bare).toEqual({ status: 400, body: { error: "missing_svix_headers" } });

    expect((await ledger()).length).toBe(ledgerBefore);
    expect((await jobs()).length).toBe(jobsBefore);
  });

  it("a replayed event id answers 200 duplicate and syncs once", async () => {
    await settle();
    const body = billingUpdated(orgId);
    const headers = signedHeaders(body);
    expect(await post(body, headers)).toEqual({ status: 200, body: { status: "accepted" } });
    await settle(); // the first sync ran: a replay must not start another
    const syncsAfterFirst = (await refreshJobs(orgId, ["pending", "inProgress", "success", "failed"])).length;
    expect(await post(body, headers)).toEqual({ status: 200, body: { status: "duplicate" } });
    // Svix re-signs retries: same id, new timestamp and signature.
    expect(await post(body, signedHeaders(body, { id: headers["svix-id"] }))).toEqual({ status: 200, body: { status: "duplicate" } });
    expect((await refreshJobs(orgId, ["pending", "inProgress", "success", "failed"])).length).toBe(syncsAfterFirst);
    expect((await ledger()).filter((e) => e.eventId === headers["svix-id"])).toHaveLength(1);
  });

  it("out-of-order delivery is harmless: the cache ends at Autumn's current state", async () => {
    await settle();
    const older = billingUpdated(orgId, "free", { tags: ["older"] });
    const olderHeaders = signedHeaders(older, { at: new Date(Date.now() - 120_000) });
    await b.autumn.autumn.track({ customerId: orgId, featureId: "standard_messages", value: 3 });
    const newer = billingUpdated(orgId, "pro", { tags: ["newer"] });
    // The newer event arrives first…
    expect((await post(newer, signedHeaders(newer))).status).toBe(200);
    await settle();
    expect(await standardUsage(orgId)).toBe(3);
    // …Autumn moves on, then the older event arrives late. Its payload is not
    // applied; the sync it triggers re-fetches, so the cache lands on "now".
    await b.autumn.autumn.track({ customerId: orgId, featureId: "standard_messages", value: 2 });
    expect(await post(older, olderHeaders)).toEqual({ status: 200, body: { status: "accepted" } });
    await settle();
    const live = await b.autumn.autumn.customers.get({ customerId: orgId });
    expect(await standardUsage(orgId)).toBe(live.balances.standard_messages?.usage);
    expect(await standardUsage(orgId)).toBe(5);
    // And a snapshot fetched earlier but written late never overwrites a newer one.
    const current = await row(orgId);
    if (!current) throw new Error("no row");
    const { _id, _creationTime, ...stale } = current;
    const written = await b.t.mutation(internal.billing.sync.applyCustomerSync, {
      row: { ...stale, syncedAt: current.syncedAt - 60_000, balances: stale.balances.map((x) => ({ ...x, usage: 0 })) },
    });
    expect(written).toBe(false);
    expect(await standardUsage(orgId)).toBe(5);
  });

  it("events about customers that are not organizations here are acknowledged and ignored", async () => {
    await settle();
    await b.autumn.rpc("customers.get_or_create", { customer_id: "outsider_1" });
    const jobsBefore = (await jobs()).length;
    const body = billingUpdated("outsider_1");
    expect(await post(body, signedHeaders(body))).toEqual({ status: 200, body: { status: "ignored" } });
    const other = JSON.stringify({ type: "balances.limit_reached", data: { feature_id: "standard_messages", limit_type: "included" } });
    expect(await post(other, signedHeaders(other))).toEqual({ status: 200, body: { status: "ignored" } });
    expect((await jobs()).length).toBe(jobsBefore);
    expect(await row("outsider_1")).toBeNull();
  });

  it("without AUTUMN_WEBHOOK_SECRET the route is off (404), even for a correctly signed event", async () => {
    delete process.env.AUTUMN_WEBHOOK_SECRET;
    const body = billingUpdated(orgId);
    const ledgerBefore = (await ledger()).length;
    const res = await post(body, signedHeaders(body));
    expect(res.status).toBe(404);
    expect((await ledger()).length).toBe(ledgerBefore);
  });

  it("the ledger is pruned daily in bounded batches; recent ids are kept", async () => {
    expect(crons.crons["billing webhook ledger prune"]).toMatchObject({ schedule: { type: "daily", hourUTC: 3, minuteUTC: 30 } });
    const old = Date.now() - 30 * DAY;
    await b.t.run(async (ctx) => {
      for (let i = 0; i < 1_200; i++) {
        await ctx.db.insert("billingWebhookEvents", { eventId: `old_${i}`, type: "billing.updated", organizationId: null, receivedAt: old + i, syncJobId: null });
      }
    });
    const recent = (await ledger()).filter((e) => e.receivedAt > Date.now() - DAY).length;
    expect(recent).toBeGreaterThan(0);

    const first = await b.t.mutation(internal.billing.webhook.pruneEvents, {});
    expect(first).toEqual({ deleted: WEBHOOK_PRUNE_BATCH, more: true });
    await settle();
    const left = await ledger();
    expect(left.filter((e) => e.eventId.startsWith("old_"))).toHaveLength(0);
    expect(left).toHaveLength(recent);
    const prunes = (await jobs()).filter((j) => j.name.includes("webhook:pruneEvents"));
    expect(prunes.length).toBe(Math.ceil(1_200 / WEBHOOK_PRUNE_BATCH) - 1);
  });
});
