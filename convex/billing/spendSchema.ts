// Tables of the owner spend controls (issue 14): in-app notifications (the
// bell) and the email outbox. Spread into `billingTables` (schema.ts).
//
//  - billingNotifications: one row per (org, dedupeKey) — a usage alert's
//    threshold in one period, a limit reached in one period, an auto top-up
//    outcome per Autumn event — so a threshold alerts once per period however
//    many sources (webhook, cache crossing, retries) report it.
//  - billingEmailOutbox: every email the module sends, durably: `local` (no
//    provider configured: the dev stack shows it at /dev/outbox), `queued` →
//    `sent` | `failed` (Resend). Nothing is dropped.
import { defineTable } from "convex/server";
import { v } from "convex/values";

export const notificationKind = v.union(
  v.literal("usage_alert"),
  v.literal("limit_reached"),
  v.literal("auto_topup_succeeded"),
  v.literal("auto_topup_failed"),
);

export const notificationFields = {
  organizationId: v.string(),
  kind: notificationKind,
  featureId: v.union(v.string(), v.null()),
  title: v.string(),
  body: v.string(),
  /** Idempotency: e.g. `alert:ai_credits:usage_percentage:80:<period>`. */
  dedupeKey: v.string(),
  /** Where it came from: an Autumn webhook (its event id) or the cache seeing the crossing. */
  source: v.union(v.literal("webhook"), v.literal("cache"), v.literal("action")),
  createdAt: v.number(),
  read: v.boolean(),
};

export const emailStatus = v.union(v.literal("local"), v.literal("queued"), v.literal("sent"), v.literal("failed"));

export const outboxFields = {
  organizationId: v.string(),
  to: v.string(),
  subject: v.string(),
  text: v.string(),
  /** The notification this email tells about. */
  dedupeKey: v.string(),
  status: emailStatus,
  provider: v.union(v.literal("local"), v.literal("resend")),
  providerId: v.union(v.string(), v.null()),
  error: v.union(v.string(), v.null()),
  attempts: v.number(),
  createdAt: v.number(),
  sentAt: v.union(v.number(), v.null()),
};

export const spendTables = {
  billingNotifications: defineTable(notificationFields)
    .index("by_org_createdAt", ["organizationId", "createdAt"])
    .index("by_org_dedupeKey", ["organizationId", "dedupeKey"])
    .index("by_org_read_createdAt", ["organizationId", "read", "createdAt"]),
  billingEmailOutbox: defineTable(outboxFields)
    .index("by_org_createdAt", ["organizationId", "createdAt"])
    .index("by_createdAt", ["createdAt"]),
};
