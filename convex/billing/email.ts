// Email to org owners, through a durable outbox (billingEmailOutbox). The
// provider interface is one function, `deliver(row)`:
//
//  - production: RESEND_API_KEY (+ EMAIL_FROM, e.g. "Billing <billing@acme.dev>")
//    set → each row is `queued` and sent by an action through Resend's HTTP
//    API (POST https://api.resend.com/emails, Idempotency-Key = the row id, so
//    a retried send never doubles), retried with backoff, then `sent` or
//    `failed` (kept, with the error). @convex-dev/resend (0.2.x on npm) would
//    do the same inside a component; it is not installed because the offline
//    Convex host and offline codegen do not run third-party components.
//  - offline / dev: no key → the row is stored `local`; nothing leaves the
//    machine and nothing is dropped: the dev stack shows it at /dev/outbox.
import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalAction, internalMutation, internalQuery, type MutationCtx } from "../_generated/server";
import { host } from "./host";

export const RESEND_URL = "https://api.resend.com/emails";
export const SEND_RETRY_DELAYS_MS = [10_000, 60_000, 300_000, 1_800_000];
const MAX_OWNERS = 20;

export interface EmailInput {
  organizationId: string;
  to: string;
  subject: string;
  text: string;
  dedupeKey: string;
}

export function emailProvider(env: Record<string, string | undefined> = process.env): "resend" | "local" {
  return env.RESEND_API_KEY?.trim() ? "resend" : "local";
}

/** Store the email; with a provider, schedule its delivery (in the same transaction). */
export async function enqueueEmail(ctx: MutationCtx, input: EmailInput): Promise<Id<"billingEmailOutbox">> {
  const provider = emailProvider();
  const id = await ctx.db.insert("billingEmailOutbox", {
    ...input, status: provider === "resend" ? "queued" : "local", provider, providerId: null, error: null, attempts: 0,
    createdAt: Date.now(), sentAt: null,
  });
  if (provider === "resend") await ctx.scheduler.runAfter(0, internal.billing.email.send, { id });
  return id;
}

/** Emails of the org's owners (from the app's host, billing/host.ts). */
export async function ownerEmails(ctx: MutationCtx, organizationId: string): Promise<string[]> {
  const owners = (await host.owners(ctx, organizationId)).slice(0, MAX_OWNERS);
  return [...new Set(owners.flatMap((o) => (o.email ? [o.email] : [])))];
}

export const getRow = internalQuery({
  args: { id: v.id("billingEmailOutbox") },
  returns: v.union(v.object({ to: v.string(), subject: v.string(), text: v.string(), status: v.string(), attempts: v.number() }), v.null()),
  handler: async (ctx, { id }) => {
    const r = await ctx.db.get(id);
    return r ? { to: r.to, subject: r.subject, text: r.text, status: r.status, attempts: r.attempts } : null;
  },
});

export const markResult = internalMutation({
  args: { id: v.id("billingEmailOutbox"), ok: v.boolean(), providerId: v.union(v.string(), v.null()), error: v.union(v.string(), v.null()), final: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { id, ok, providerId, error, final }) => {
    const r: Doc<"billingEmailOutbox"> | null = await ctx.db.get(id);
    if (!r) return null;
    await ctx.db.patch(id, {
      attempts: r.attempts + 1, providerId, error,
      ...(ok ? { status: "sent" as const, sentAt: Date.now() } : final ? { status: "failed" as const } : {}),
    });
    return null;
  },
});

/** Deliver one queued email through Resend's HTTP API; transient failures retry with backoff. */
export const send = internalAction({
  args: { id: v.id("billingEmailOutbox") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const row = await ctx.runQuery(internal.billing.email.getRow, { id });
    if (!row || row.status !== "queued") return null;
    const key = process.env.RESEND_API_KEY?.trim();
    const from = process.env.EMAIL_FROM?.trim() || "Billing <onboarding@resend.dev>";
    let ok = false;
    let retryable = true;
    let providerId: string | null = null;
    let error: string | null = null;
    try {
      if (!key) throw new Error("RESEND_API_KEY is not set");
      const res = await fetch(RESEND_URL, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "idempotency-key": `billing-email-${id}` },
        body: JSON.stringify({ from, to: [row.to], subject: row.subject, text: row.text }),
      });
      const body = (await res.json().catch(() => ({}))) as { id?: string; message?: string };
      ok = res.ok;
      providerId = body.id ?? null;
      if (!ok) {
        error = `${res.status}: ${body.message ?? res.statusText}`;
        retryable = res.status === 429 || res.status >= 500;
      }
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const delay = SEND_RETRY_DELAYS_MS[row.attempts];
    const final = !ok && (!retryable || delay === undefined);
    await ctx.runMutation(internal.billing.email.markResult, { id, ok, providerId, error, final });
    if (!ok && !final && delay !== undefined) await ctx.scheduler.runAfter(delay, internal.billing.email.send, { id });
    return null;
  },
});
