// (a) Autumn round trips per operation, counted at the sandbox (/sandbox/stats),
// for the module's own paths and, side by side on the same sandbox with the
// same client (convex/billing/autumn.ts callAutumn), the patterns a user would
// pick without the module: read/gate live from Autumn; for a metered action
// Autumn's single atomic `check` with `send_event: true` (check and deduct in
// one call, before the work) and the naive check → work → track. For a model
// paid in credits the same single check is Autumn's own credit-system check:
// `premium_messages` is checked, and Autumn converts it through the
// `ai_credits` credit_schema (5 credits a message) and deducts from that pool
// (Autumn server `internal/balances/check/getCheckDataV2.ts`; sandbox
// metering.ts `check`). "Before the work" is a snapshot of the sandbox's
// counters taken the moment the work starts (the chat message being stored).
import { expect, it } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { ActionCtx } from "../convex/_generated/server";
import { requireFeature } from "../convex/billing/access";
import { callAutumn } from "../convex/billing/autumn";
import { CUSTOMER_EXPAND } from "../convex/billing/sync";
import { SITE, startBillingTest, type BillingTest, type TestUser } from "../convex/billing/testing.helpers";
import { modules } from "../convex/test.setup";
import { payCheckout } from "../packages/autumn-sandbox/src/testing";
import { instrumentModules as instrument, type FunctionRun } from "../convex/billing/testing.helpers";
import { callsNow, countCalls, progress, total, writeResult, type Calls } from "./lib";

let b: BillingTest;
let owner: TestUser;
/** Sandbox counters at the moment the metered work (storing the chat message) started. */
let atWork: Calls | null = null;

const runs: FunctionRun[] = [];
const instrumented = instrument(modules, runs, {
  prefixes: ["./chat/"],
  before: (fn) => { if (fn === "chat/chat:storeMessage" || fn === "chat/chat:storeMessageUnmetered") atWork = callsNow(b); },
});

async function newOrg(name: string): Promise<string> {
  const orgId = await b.createOrg(owner, name);
  await b.drainScheduled();
  return orgId;
}
async function cardOnFile(orgId: string): Promise<void> {
  const { url } = await b.autumn.autumn.billing.setupPayment({ customerId: orgId, successUrl: `${SITE}/billing` });
  expect((await payCheckout(url, "4242 4242 4242 4242")).status).toBe(303);
  await b.autumn.control("/sandbox/checkouts/settle");
}

interface Count { before?: number; total: number; calls: Calls }
interface Baseline extends Count { name: string }
/** `baseline` is the strongest alternative (the ratio is against it); `others` are shown beside it. */
interface Row { op: string; ours: Count; baseline: Baseline | null; others?: Baseline[] }

/** Count an operation's Autumn calls, and the ones made before its work started (if it has work). */
async function measure(fn: () => Promise<unknown>): Promise<Count> {
  atWork = null;
  // The total includes what the operation leaves to the background (the metered confirm runs after it returns).
  const r = await countCalls(b, async () => { const value = await fn(); await b.drainScheduled(); return value; });
  const snapshot = atWork as Calls | null;
  return { ...(snapshot ? { before: total(snapshot) } : {}), total: r.total, calls: r.calls };
}

// ── the naive patterns, honestly implemented with the module's own client ──

const storeMessage = (ctx: ActionCtx, organizationId: string, feature: string) => ctx.runMutation(internal.chat.chat.storeMessageUnmetered, {
  organizationId, userId: owner.userId, model: "swift-mini", feature, prompt: "hello", reply: "hi", createdAt: Date.now(),
});
const liveCheck = (customerId: string, featureId: string, requiredBalance?: number, sendEvent?: boolean) =>
  callAutumn("balances.check", (c, o) => c.check({ customerId, featureId, ...(requiredBalance ? { requiredBalance } : {}), ...(sendEvent ? { sendEvent } : {}) }, o),
    sendEvent ? { write: true } : {});
const liveTrack = (customerId: string, featureId: string, value: number) =>
  callAutumn("balances.track", (c, o) => c.track({ customerId, featureId, value }, o), { write: true });
const liveCustomer = (customerId: string) =>
  callAutumn("customers.get", (c, o) => c.customers.get({ customerId, expand: [...CUSTOMER_EXPAND] }, o));

/** check → work → track (no lock: the check and the track are two separate calls). */
async function naiveMetered(ctx: ActionCtx, orgId: string, featureId: string): Promise<void> {
  const check = await liveCheck(orgId, featureId, 1);
  if (!check.allowed) throw new Error("quota exceeded");
  await storeMessage(ctx, orgId, featureId);
  await liveTrack(orgId, featureId, 1);
}
/** Autumn's single atomic check: check and deduct in one call (send_event), then the work. */
async function sendEventMetered(ctx: ActionCtx, orgId: string, featureId: string): Promise<void> {
  const check = await liveCheck(orgId, featureId, 1, true);
  if (!check.allowed) throw new Error("quota exceeded");
  await storeMessage(ctx, orgId, featureId);
}
/** The org's `ai_credits` balance as Autumn reports it. */
async function creditsLeft(orgId: string): Promise<number> {
  const c = await b.autumn.autumn.customers.get({ customerId: orgId });
  const balance = c.balances.ai_credits?.remaining;
  if (typeof balance !== "number") throw new Error(`no ai_credits balance on ${orgId}`);
  return balance;
}

it("Autumn round trips per operation", async () => {
  b = await startBillingTest({ modules: instrumented });
  expect(await b.t.action(internal.billing.sync.syncPlans, {})).toMatchObject({ ok: true });
  owner = await b.signUp("bea@example.com", "Bea Bench");
  progress("round trips: creating orgs");
  const proOrg = await newOrg("Pro Co");
  await b.autumn.autumn.billing.attach({ customerId: proOrg, planId: "pro", noBillingChanges: true });
  await b.t.action(internal.billing.sync.syncCustomer, { organizationId: proOrg });
  const meterOrg = await newOrg("Meter Co");
  const creditOrg = await newOrg("Credit Co");
  await b.autumn.autumn.billing.attach({ customerId: creditOrg, planId: "credit_pack", noBillingChanges: true });
  await b.t.action(internal.billing.sync.syncCustomer, { organizationId: creditOrg });
  const buyOrg = await newOrg("Buy Co");
  const naiveBuyOrg = await newOrg("Naive Buy Co");
  await cardOnFile(buyOrg);
  await cardOnFile(naiveBuyOrg);
  const as = (orgId: string) => b.as(owner, orgId);

  const rows: Row[] = [];
  progress("round trips: reads and gates");
  const gateOk = await measure(() => as(proOrg).query(api.billing.api.checkFeature, { featureId: "custom_branding" }));
  const required = await measure(() => b.t.query(async (ctx) => (await requireFeature(ctx, proOrg, "custom_branding")).allowed));
  rows.push({
    op: "read billing (getOrgBilling)",
    ours: await measure(() => as(proOrg).query(api.billing.api.getOrgBilling, {})),
    baseline: { name: "customers.get per read", ...await measure(() => b.t.action(() => liveCustomer(proOrg))) },
  });
  rows.push({
    op: "boolean gate (checkFeature custom_branding)",
    ours: gateOk,
    baseline: { name: "balances.check per gate", ...await measure(() => b.t.action(() => liveCheck(proOrg, "custom_branding"))) },
  });
  rows.push({ op: "boolean gate (access.requireFeature in a query)", ours: required, baseline: null });
  rows.push({
    op: "checkFeature on a metered feature (standard_messages)",
    ours: await measure(() => as(proOrg).query(api.billing.api.checkFeature, { featureId: "standard_messages" })),
    baseline: { name: "balances.check per gate", ...await measure(() => b.t.action(() => liveCheck(proOrg, "standard_messages"))) },
  });

  progress("round trips: metered actions");
  rows.push({
    op: "metered action: chat.sendMessage (withMeteredUsage)",
    ours: await measure(() => as(meterOrg).action(api.chat.chat.sendMessage, { model: "swift-mini", prompt: "hello" })),
    baseline: { name: "single `check` with `send_event` → work", ...await measure(() => b.t.action((ctx) => sendEventMetered(ctx, meterOrg, "standard_messages"))) },
    others: [{ name: "naive check → work → track", ...await measure(() => b.t.action((ctx) => naiveMetered(ctx, meterOrg, "standard_messages"))) }],
  });
  // Each pattern pays for its message from the credit pack: 5 credits, measured on Autumn's balance.
  const paid = async (fn: () => Promise<unknown>): Promise<Count> => {
    const before = await creditsLeft(creditOrg);
    const counted = await measure(fn);
    expect(before - await creditsLeft(creditOrg)).toBe(5);
    return counted;
  };
  rows.push({
    op: "metered action paid in credits: sendMessage sage-pro (credit pack)",
    ours: await paid(() => as(creditOrg).action(api.chat.chat.sendMessage, { model: "sage-pro", prompt: "hello" })),
    baseline: { name: "single `check` of `premium_messages` with `send_event` → work (Autumn draws 5 `ai_credits`)", ...await paid(() => b.t.action((ctx) => sendEventMetered(ctx, creditOrg, "premium_messages"))) },
    others: [{ name: "naive check → work → track", ...await paid(() => b.t.action((ctx) => naiveMetered(ctx, creditOrg, "premium_messages"))) }],
  });

  progress("round trips: checkout and cancel");
  const checkout = await measure(() => as(buyOrg).action(api.billing.purchase.checkout, { planId: "team", successUrl: "/billing/success" }));
  rows.push({
    op: "checkout, card on file (free → team)",
    ours: checkout,
    baseline: {
      name: "attach + customers.get read-back",
      ...await measure(() => b.t.action(async () => {
        await callAutumn("billing.attach", (c, o) => c.billing.attach({ customerId: naiveBuyOrg, planId: "team", successUrl: `${SITE}/billing/success` }, o), { write: true });
        return liveCustomer(naiveBuyOrg);
      })),
    },
  });
  rows.push({
    op: "cancel (end of cycle)",
    ours: await measure(() => as(buyOrg).action(api.billing.purchase.cancelSubscription, { planId: "team" })),
    baseline: {
      name: "update + customers.get read-back",
      ...await measure(() => b.t.action(async () => {
        await callAutumn("billing.update", (c, o) => c.billing.update({ customerId: naiveBuyOrg, planId: "team", cancelAction: "cancel_end_of_cycle" }, o), { write: true });
        return liveCustomer(naiveBuyOrg);
      })),
    },
  });
  // The module's results are real: the checkout activated, the cancel is pending.
  const billing = (await as(buyOrg).query(api.billing.api.getOrgBilling, {})).billing;
  expect(billing.plan).toMatchObject({ planId: "team", status: "canceling" });

  const show = (x: Baseline): string => `${x.name}: ${JSON.stringify(x.calls)}${x.before !== undefined ? ` (before work ${x.before})` : ""}`;
  for (const r of rows) progress(`  ${r.op}: ${JSON.stringify(r.ours.calls)}${r.ours.before !== undefined ? ` (before work ${r.ours.before})` : ""} | ${r.baseline ? show(r.baseline) : "-"}${(r.others ?? []).map((o) => ` | ${show(o)}`).join("")}`);
  writeResult("roundtrips", { rows });
  await b.close();
});
