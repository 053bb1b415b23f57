// Autumn's webhooks (`POST /autumn-webhook`, delivered through Svix): a hint
// that a customer changed, never a source of state. The handler
//
//  - is OFF unless AUTUMN_WEBHOOK_SECRET is set (404, never open);
//  - verifies the Svix signature over the RAW body with the `svix` library,
//    which also rejects timestamps more than 5 minutes old (or ahead): 400 for
//    a request without Svix headers, 401 for a forged or stale one, and in
//    both cases nothing is written or scheduled;
//  - records every accepted event id once in `billingWebhookEvents`, so a
//    replay or a Svix retry answers 200 `duplicate` and syncs nothing;
//  - schedules a re-fetch of the customer (customers.get) instead of applying
//    the payload, so order does not matter: whatever arrives last, the cache
//    ends at Autumn's current state (applyCustomerSync also refuses a snapshot
//    older than the one cached). Events for one org that arrive while its sync
//    is still waiting to start share that sync (Autumn sends `billing.updated`
//    and the legacy `customer.products.updated` back to back for one change).
//
// Catalog changes: Autumn has no catalog (plan/feature) webhook events — its
// event types are customer.products.updated, customer.threshold_reached,
// balances.*, billing.* and vercel.* — so the catalog is re-synced by the
// hourly cron and the lazy fill instead (catalogFill.ts).
//
// The ledger is pruned daily (crons.ts) in bounded batches; rows are kept far
// longer than Svix's 5-minute timestamp tolerance, so every replay that could
// pass verification is still found.
import { v } from "convex/values";
import { Webhook } from "svix";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { httpAction, internalAction, internalMutation, type MutationCtx } from "../_generated/server";
import { callAutumn } from "./autumn";
import { billingErrorCode } from "./errors";
import { customerToRow } from "./mapping";
import { guardCustomer } from "./ownershipGuard";
import { host } from "./host";
import { recordSpendEvent, spendEvent, spendEventOf } from "./notifications";
import { CUSTOMER_EXPAND, customerSyncResult, type CustomerSyncResult } from "./sync";

/** Delay before the scheduled sync starts: events for one change that arrive together share one sync. */
export const WEBHOOK_SYNC_DELAY_MS = 1_000;
/** Retries of a webhook-triggered sync whose Autumn call failed transiently. */
export const WEBHOOK_SYNC_RETRY_DELAYS_MS = [30_000, 120_000, 600_000];
/** Ledger rows older than this are pruned (must stay far above Svix's 5-minute tolerance). */
export const WEBHOOK_LEDGER_RETENTION_DAYS = 14;
/** Rows deleted per prune mutation; a full batch schedules the next one. */
export const WEBHOOK_PRUNE_BATCH = 500;
/** Autumn's payloads are small; anything bigger is not Autumn. */
export const MAX_WEBHOOK_BODY_BYTES = 512 * 1024;

const DAY_MS = 86_400_000;
const TRANSIENT = new Set(["AUTUMN_UNAVAILABLE", "RATE_LIMITED"]);

export const webhookOutcome = v.union(
  v.literal("accepted"),
  v.literal("coalesced"),
  v.literal("duplicate"),
  v.literal("ignored"),
);
export type WebhookOutcome = "accepted" | "coalesced" | "duplicate" | "ignored";

function json(status: number, body: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function str(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === "object" && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
}

/**
 * The customer (= organization) an event is about: `data.customer_id` for
 * billing.updated, balances.* and the auto top-up events; `data.customer.id`
 * for the legacy customer.products.updated / customer.threshold_reached.
 */
export function customerIdOf(event: unknown): string | null {
  const data = field(event, "data");
  return str(field(data, "customer_id")) ?? str(field(field(data, "customer"), "id"));
}

export const autumnWebhook = httpAction(async (ctx, request) => {
  const secret = process.env.AUTUMN_WEBHOOK_SECRET?.trim();
  if (!secret) return new Response("Not found", { status: 404 });

  const headers = {
    "svix-id": request.headers.get("svix-id") ?? "",
    "svix-timestamp": request.headers.get("svix-timestamp") ?? "",
    "svix-signature": request.headers.get("svix-signature") ?? "",
  };
  if (!headers["svix-id"] || !headers["svix-timestamp"] || !headers["svix-signature"]) {
    return json(400, { error: "missing_svix_headers" });
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_WEBHOOK_BODY_BYTES) return json(413, { error: "body_too_large" });
  const raw = await request.text();
  if (raw.length > MAX_WEBHOOK_BODY_BYTES) return json(413, { error: "body_too_large" });

  let verifier: Webhook;
  try {
    verifier = new Webhook(secret);
  } catch {
    console.error("AUTUMN_WEBHOOK_SECRET is not a valid Svix secret (whsec_…)");
    return json(500, { error: "webhook_misconfigured" });
  }
  try {
    // Over the raw text, byte for byte: never re-serialize before verifying.
    verifier.verify(raw, headers);
  } catch (err) {
    const stale = err instanceof Error && /timestamp/i.test(err.message);
    return json(401, { error: stale ? "stale_timestamp" : "invalid_signature" });
  }

  let event: unknown;
  try {
    event = JSON.parse(raw);
  } catch {
    return json(400, { error: "invalid_json" });
  }
  const type = str(field(event, "type")) ?? "unknown";
  const spend = spendEventOf(event);
  const status: WebhookOutcome = await ctx.runMutation(internal.billing.webhook.recordEvent, {
    eventId: headers["svix-id"],
    type,
    organizationId: customerIdOf(event),
    ...(spend ? { spend } : {}),
  });
  return json(200, { status });
});

/** Is this Autumn customer one of our organizations? (A row, or an org still being provisioned.) */
async function isOrganization(ctx: MutationCtx, organizationId: string): Promise<boolean> {
  const row = await ctx.db
    .query("billingCustomers")
    .withIndex("by_organizationId", (q) => q.eq("organizationId", organizationId))
    .unique();
  if (row) return true;
  try {
    return (await host.organization(ctx, organizationId)) !== null;
  } catch {
    // Not even an id of ours (customers created elsewhere in the same Autumn account).
    return false;
  }
}

/** Ledger + dedupe + (coalesced) sync scheduling, in one transaction. */
export const recordEvent = internalMutation({
  args: {
    eventId: v.string(), type: v.string(), organizationId: v.union(v.string(), v.null()),
    /** A usage alert, limit or auto top-up: also a notification, in this same transaction (a retry is a duplicate). */
    spend: v.optional(spendEvent),
  },
  returns: webhookOutcome,
  handler: async (ctx, { eventId, type, organizationId, spend }): Promise<WebhookOutcome> => {
    const seen = await ctx.db.query("billingWebhookEvents").withIndex("by_eventId", (q) => q.eq("eventId", eventId)).first();
    if (seen) return "duplicate";

    let outcome: WebhookOutcome = "ignored";
    let syncJobId: Id<"_scheduled_functions"> | null = null;
    if (organizationId !== null && (await isOrganization(ctx, organizationId))) {
      const last = await ctx.db
        .query("billingWebhookEvents")
        .withIndex("by_organizationId_receivedAt", (q) => q.eq("organizationId", organizationId))
        .order("desc")
        .first();
      const job = last?.syncJobId ? await ctx.db.system.get(last.syncJobId) : null;
      if (last?.syncJobId && job?.state.kind === "pending") {
        // A sync that has not started yet will fetch after this event: share it.
        syncJobId = last.syncJobId;
        outcome = "coalesced";
      } else {
        syncJobId = await ctx.scheduler.runAfter(WEBHOOK_SYNC_DELAY_MS, internal.billing.webhook.refreshCustomer, { organizationId });
        outcome = "accepted";
      }
    }
    await ctx.db.insert("billingWebhookEvents", {
      eventId,
      type,
      organizationId: outcome === "ignored" ? null : organizationId,
      receivedAt: Date.now(),
      syncJobId,
    });
    // Spend events (usage alerts, limits, auto top-ups) also become notifications (notifications.ts).
    if (spend && organizationId !== null && outcome !== "ignored") await recordSpendEvent(ctx, { organizationId, eventId, event: spend });
    return outcome;
  },
});

/**
 * Re-fetch one customer (customers.get: a read, not get_or_create, so a
 * webhook never creates anything) and write the snapshot; the fetch time is
 * the snapshot time, so a slower, older fetch never wins.
 */
export const refreshCustomer = internalAction({
  args: { organizationId: v.string(), attempt: v.optional(v.number()) },
  returns: customerSyncResult,
  handler: async (ctx, { organizationId, attempt }): Promise<CustomerSyncResult> => {
    const startedAt = Date.now();
    try {
      const customer = await callAutumn("customers.get", (c, o) => c.customers.get({ customerId: organizationId, expand: [...CUSTOMER_EXPAND] }, o));
      await guardCustomer(ctx, organizationId, customer, "webhook");
      await ctx.runMutation(internal.billing.sync.applyCustomerSync, { row: customerToRow(organizationId, customer, new Map(), startedAt) });
      return { ok: true, error: null };
    } catch (err) {
      const code = billingErrorCode(err) ?? "INTERNAL";
      const data = (err as { data?: { message?: unknown } }).data;
      const message = typeof data?.message === "string" ? data.message : err instanceof Error ? err.message : String(err);
      if (code === "CUSTOMER_NOT_FOUND") return { ok: false, error: { code, message } };
      await ctx.runMutation(internal.billing.sync.recordCustomerSyncError, { organizationId, code, message, at: Date.now() });
      const n = attempt ?? 0;
      const delay = WEBHOOK_SYNC_RETRY_DELAYS_MS[n];
      if (TRANSIENT.has(code) && delay !== undefined) {
        await ctx.scheduler.runAfter(delay, internal.billing.webhook.refreshCustomer, { organizationId, attempt: n + 1 });
      }
      return { ok: false, error: { code, message } };
    }
  },
});

/** Delete ledger rows older than the retention, one bounded batch per run. */
export const pruneEvents = internalMutation({
  args: { retentionDays: v.optional(v.number()) },
  returns: v.object({ deleted: v.number(), more: v.boolean() }),
  handler: async (ctx, { retentionDays }): Promise<{ deleted: number; more: boolean }> => {
    // Never below a day: the ledger must outlive Svix's 5-minute replay window by far.
    const days = Math.max(1, retentionDays ?? WEBHOOK_LEDGER_RETENTION_DAYS);
    const cutoff = Date.now() - days * DAY_MS;
    const old = await ctx.db
      .query("billingWebhookEvents")
      .withIndex("by_receivedAt", (q) => q.lt("receivedAt", cutoff))
      .take(WEBHOOK_PRUNE_BATCH);
    for (const row of old) await ctx.db.delete(row._id);
    const more = old.length === WEBHOOK_PRUNE_BATCH;
    if (more) await ctx.scheduler.runAfter(1_000, internal.billing.webhook.pruneEvents, { retentionDays: days });
    return { deleted: old.length, more };
  },
});
