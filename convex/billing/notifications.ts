// In-app notifications (the bell) and owner emails for spend events:
// usage alerts crossing a threshold, a limit reached, auto top-ups.
//
// Two sources, one dedupe key, so each threshold alerts ONCE per period:
//  - Autumn's webhooks (balances.usage_alert_triggered, balances.limit_reached,
//    billing.auto_topup_succeeded/_failed), handed over by webhook.ts in the
//    same transaction as its event-id ledger (`recordSpendEvent`);
//  - the cache, for deployments without a webhook: whenever cached balances
//    change (`detectCrossings`, called where the cache writes balances), the
//    org's alerts are evaluated with Autumn's crossing rules (§1.8).
// Key: `alert:<feature>:<type>:<threshold>:<period>` where period is the
// balance's next reset (a new period may alert again, as Autumn does);
// `limit:<feature>:<limitType>:<period>`; `topup:<event id>`.
import { v } from "convex/values";
import type { MutationCtx } from "../_generated/server";
import { loadCustomerDoc, loadFeatures } from "./cache";
import { enqueueEmail, ownerEmails } from "./email";
import { host } from "./host";
import { memberMutation, memberQuery } from "./functions";
import type { Balance, BillingControls } from "./schema";
import { notificationFields } from "./spendSchema";

type Kind = "usage_alert" | "limit_reached" | "auto_topup_succeeded" | "auto_topup_failed";
export const MAX_LIST = 50;
const UNREAD_CAP = 99;

export interface NotifyInput {
  organizationId: string;
  kind: Kind;
  featureId: string | null;
  title: string;
  body: string;
  dedupeKey: string;
  source: "webhook" | "cache" | "action";
  /** Also email the org's owners (default true). */
  email?: boolean;
}

/** Record a notification once per dedupe key; email the owners. Returns false for a repeat. */
export async function notify(ctx: MutationCtx, n: NotifyInput): Promise<boolean> {
  const seen = await ctx.db.query("billingNotifications")
    .withIndex("by_org_dedupeKey", (q) => q.eq("organizationId", n.organizationId).eq("dedupeKey", n.dedupeKey)).first();
  if (seen) return false;
  const { email, ...row } = n;
  await ctx.db.insert("billingNotifications", { ...row, createdAt: Date.now(), read: false });
  if (email !== false) {
    const org = await host.organization(ctx, n.organizationId).catch(() => null);
    const site = process.env.SITE_URL ?? "";
    const text = `${n.body}\n\nOrganization: ${org?.name ?? n.organizationId}\nBilling: ${site}/settings/billing\n`;
    for (const to of await ownerEmails(ctx, n.organizationId)) {
      await enqueueEmail(ctx, { organizationId: n.organizationId, to, subject: `${org?.name ?? "Your organization"}: ${n.title}`, text, dedupeKey: n.dedupeKey });
    }
  }
  return true;
}

const periodOf = (b: Balance | undefined): string => (b?.nextResetAt ? String(b.nextResetAt) : "once");

function alertText(name: string, type: string, threshold: number): { title: string; body: string } {
  switch (type) {
    case "usage_percentage": return { title: `${threshold}% of ${name} used`, body: `Your organization has used ${threshold}% of its ${name} for this period.` };
    case "remaining_percentage": return { title: `${threshold}% of ${name} left`, body: `Only ${threshold}% of your ${name} is left for this period.` };
    case "remaining": return { title: `${threshold} ${name} left`, body: `Your organization has ${threshold} ${name} or fewer left.` };
    default: return { title: `${threshold} ${name} used`, body: `Your organization has used ${threshold} ${name}.` };
  }
}

const LIMIT_TEXT: Record<string, string> = {
  usage_limit: "the usage limit an owner set",
  spend_limit: "the monthly spend limit",
  max_purchase: "the most the plan allows",
  included: "what the plan includes",
};

// ── source 1: Autumn's webhooks ──────────────────────────────────────────────

export const spendEvent = v.object({
  type: v.string(),
  featureId: v.union(v.string(), v.null()),
  thresholdType: v.union(v.string(), v.null()),
  threshold: v.union(v.number(), v.null()),
  limitType: v.union(v.string(), v.null()),
  reason: v.union(v.string(), v.null()),
  quantity: v.union(v.number(), v.null()),
});
type SpendEvent = typeof spendEvent.type;

const SPEND_TYPES = new Set(["balances.usage_alert_triggered", "balances.limit_reached", "billing.auto_topup_succeeded", "billing.auto_topup_failed"]);

/** The fields of a spend webhook this module acts on, or null for other events. */
export function spendEventOf(event: unknown): SpendEvent | null {
  const rec = (x: unknown): Record<string, unknown> => (typeof x === "object" && x !== null ? (x as Record<string, unknown>) : {});
  const type = rec(event).type;
  if (typeof type !== "string" || !SPEND_TYPES.has(type)) return null;
  const data = rec(rec(event).data);
  const alert = rec(data.usage_alert);
  const s = (x: unknown): string | null => (typeof x === "string" && x.length > 0 ? x : null);
  const n = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);
  return {
    type, featureId: s(data.feature_id), thresholdType: s(alert.threshold_type), threshold: n(alert.threshold),
    limitType: s(data.limit_type), reason: s(data.reason), quantity: n(data.quantity_granted) ?? n(data.quantity),
  };
}

/** A spend event from Autumn's webhook as a notification, in the caller's transaction (webhook.ts records the event in the same one). */
export async function recordSpendEvent(
  ctx: MutationCtx, { organizationId, eventId, event: e }: { organizationId: string; eventId: string; event: SpendEvent },
): Promise<boolean> {
  const doc = await loadCustomerDoc(ctx, organizationId);
  const features = await loadFeatures(ctx);
  const name = e.featureId ? (features.get(e.featureId)?.name ?? e.featureId) : "usage";
  const period = periodOf(doc?.balances.find((b) => b.featureId === e.featureId));
  const base = { organizationId, featureId: e.featureId, source: "webhook" as const };
  if (e.type === "balances.usage_alert_triggered" && e.thresholdType && e.threshold !== null) {
    return notify(ctx, { ...base, kind: "usage_alert", ...alertText(name, e.thresholdType, e.threshold),
      dedupeKey: `alert:${e.featureId ?? "*"}:${e.thresholdType}:${e.threshold}:${period}` });
  }
  if (e.type === "balances.limit_reached") {
    const limit = e.limitType ?? "included";
    return notify(ctx, { ...base, kind: "limit_reached", title: `${name} limit reached`,
      body: `Your organization reached ${LIMIT_TEXT[limit] ?? limit} for ${name}. Owners can raise it on the billing page.`,
      dedupeKey: `limit:${e.featureId ?? "*"}:${limit}:${period}` });
  }
  if (e.type === "billing.auto_topup_succeeded") {
    return notify(ctx, { ...base, kind: "auto_topup_succeeded", title: `${name} topped up`,
      body: `Auto top-up bought ${e.quantity ?? "more"} ${name} with the card on file.`, dedupeKey: `topup:${eventId}`, email: false });
  }
  if (e.type === "billing.auto_topup_failed") {
    const why = e.reason ? e.reason.replace(/_/g, " ") : "unknown reason";
    return notify(ctx, { ...base, kind: "auto_topup_failed", title: `Auto top-up of ${name} failed`,
      body: `Auto top-up of ${name} failed (${why}). Check the card on file and the top-up settings on the billing page.`, dedupeKey: `topup:${eventId}` });
  }
  return false;
}

// ── source 2: the cache (no webhook configured) ──────────────────────────────

type Snap = Pick<Balance, "granted" | "usage" | "remaining" | "unlimited" | "nextResetAt">;

/** Autumn's crossing rules (§1.8): did `before` → `after` cross the alert's threshold? */
export function crossed(type: string, t: number, before: Snap, after: Snap): boolean {
  if (before.unlimited || after.unlimited) return false;
  switch (type) {
    case "usage": return before.usage < t && after.usage >= t;
    case "remaining": return before.remaining > t && after.remaining <= t;
    case "usage_percentage":
      if (after.granted <= 0) return false;
      return (before.granted > 0 ? (before.usage / before.granted) * 100 : 0) < t && (after.usage / after.granted) * 100 >= t;
    case "remaining_percentage":
      if (after.granted <= 0) return false;
      return (before.granted > 0 ? (before.remaining / before.granted) * 100 : 100) > t && (after.remaining / after.granted) * 100 <= t;
    default: return false;
  }
}

/**
 * Evaluate the org's alerts over a balance change the cache just wrote. A
 * balance in a new period (its reset moved) counts from zero usage.
 */
export async function detectCrossings(
  ctx: MutationCtx, organizationId: string, before: readonly Balance[], after: readonly Balance[], controls: BillingControls | undefined,
): Promise<number> {
  const alerts = (controls?.usageAlerts ?? []).filter((a) => a.enabled && a.basis === "balance" && a.filter.length === 0);
  if (alerts.length === 0) return 0;
  const old = new Map(before.map((b) => [b.featureId, b]));
  let fired = 0;
  let features: Awaited<ReturnType<typeof loadFeatures>> | null = null;
  for (const b of after) {
    const prev = old.get(b.featureId);
    const base: Snap = prev && prev.nextResetAt === b.nextResetAt ? prev : { ...b, usage: 0, remaining: b.granted };
    for (const a of alerts) {
      if (a.featureId !== null && a.featureId !== b.featureId) continue;
      if (!crossed(a.thresholdType, a.threshold, base, b)) continue;
      features ??= await loadFeatures(ctx);
      const name = features.get(b.featureId)?.name ?? b.featureId;
      const ok = await notify(ctx, { organizationId, kind: "usage_alert", featureId: b.featureId, source: "cache",
        ...alertText(name, a.thresholdType, a.threshold), dedupeKey: `alert:${b.featureId}:${a.thresholdType}:${a.threshold}:${periodOf(b)}` });
      if (ok) fired += 1;
    }
  }
  return fired;
}

// ── the bell ─────────────────────────────────────────────────────────────────

const notificationView = v.object({ _id: v.id("billingNotifications"), _creationTime: v.number(), ...notificationFields });

/** The org's notifications, newest first. */
export const listNotifications = memberQuery({
  args: { limit: v.optional(v.number()) },
  returns: v.array(notificationView),
  handler: async (ctx, { limit }) => ctx.db.query("billingNotifications")
    .withIndex("by_org_createdAt", (q) => q.eq("organizationId", ctx.viewer.organizationId))
    .order("desc").take(Math.min(Math.max(1, Math.floor(limit ?? 20)), MAX_LIST)),
});

/** Unread notifications of the org (capped: the bell shows "99+"). */
export const unreadCount = memberQuery({
  args: {},
  returns: v.object({ count: v.number(), capped: v.boolean() }),
  handler: async (ctx) => {
    const rows = await ctx.db.query("billingNotifications")
      .withIndex("by_org_read_createdAt", (q) => q.eq("organizationId", ctx.viewer.organizationId).eq("read", false)).take(UNREAD_CAP + 1);
    return { count: Math.min(rows.length, UNREAD_CAP), capped: rows.length > UNREAD_CAP };
  },
});

export const markRead = memberMutation({
  args: { notificationId: v.optional(v.string()) },
  returns: v.number(),
  handler: async (ctx, { notificationId }) => {
    const orgId = ctx.viewer.organizationId;
    if (notificationId !== undefined) {
      const id = ctx.db.normalizeId("billingNotifications", notificationId);
      const row = id ? await ctx.db.get(id) : null;
      if (!row || row.organizationId !== orgId) return 0;
      if (!row.read) await ctx.db.patch(row._id, { read: true });
      return 1;
    }
    const rows = await ctx.db.query("billingNotifications")
      .withIndex("by_org_read_createdAt", (q) => q.eq("organizationId", orgId).eq("read", false)).take(200);
    for (const r of rows) await ctx.db.patch(r._id, { read: true });
    return rows.length;
  },
});
