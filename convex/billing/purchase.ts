// Buying and changing plans (org owners only): preview, checkout (also the
// path for add-ons and credit packs), cancel, uncancel and the billing
// portal. Every write updates the cache from Autumn's answer at once, so the
// billing tab never waits for a webhook; a checkout that needs a payment page
// starts the post-checkout watcher. Redirect targets must be relative paths
// or the app's own origin (no open redirects).
import type { PreviewAttachResponse } from "autumn-js";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { callAutumn } from "./autumn";
import { billingError, billingErrorCode } from "./errors";
import { ownerAction } from "./functions";
import { ownerCustomerData } from "./provisioning";
import { getOrCreateCustomer, runCustomerSync } from "./sync";
import type { PlanRow, Subscription } from "./schema";

// ── redirects ──────────────────────────────────────────────────────────────

/**
 * A safe absolute URL for Autumn to send the owner back to: a relative path
 * ("/billing/success") resolved against SITE_URL, or a URL on SITE_URL's own
 * origin. Anything else (other hosts, protocol-relative "//evil", javascript:)
 * is INVALID_REDIRECT.
 */
export function safeRedirect(target: string, siteUrl = process.env.SITE_URL): string {
  if (!siteUrl) throw billingError("INVALID_REDIRECT", "SITE_URL is not configured, so no redirect can be trusted");
  const site = new URL(siteUrl);
  const trimmed = target.trim();
  const relative = trimmed.startsWith("/") && !trimmed.startsWith("//") && !trimmed.startsWith("/\\");
  let url: URL;
  try {
    url = new URL(trimmed, relative ? site : undefined);
  } catch {
    throw billingError("INVALID_REDIRECT", "The return address is not a valid URL", { target });
  }
  if (url.origin !== site.origin || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw billingError("INVALID_REDIRECT", "Return addresses must stay on this app", { target });
  }
  return url.toString();
}

// ── shared steps ───────────────────────────────────────────────────────────

async function requirePlan(ctx: ActionCtx, planId: string): Promise<PlanRow> {
  const plan: PlanRow | null = await ctx.runQuery(internal.billing.catalog.planById, { planId });
  if (!plan || plan.archived) throw billingError("PLAN_NOT_FOUND", `There is no plan ${planId}`, { planId });
  return plan;
}

/**
 * Run an Autumn call for the org's customer. Orgs are provisioned when they
 * are created, so the customer normally exists and this is one call; only
 * when Autumn answers CUSTOMER_NOT_FOUND (provisioning failed, or the
 * customer was deleted) is it created lazily, with the owner's trial
 * fingerprint, and the call made again.
 */
async function withCustomer<T>(ctx: ActionCtx, organizationId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (billingErrorCode(err) !== "CUSTOMER_NOT_FOUND") throw err;
    await getOrCreateCustomer(organizationId, await ownerCustomerData(ctx, organizationId));
    return call();
  }
}

/** Re-read the customer into the cache right after a write (no waiting for a webhook). */
async function refresh(ctx: ActionCtx, organizationId: string): Promise<void> {
  const result = await runCustomerSync(ctx, organizationId);
  if (!result.ok && result.error) throw billingError("AUTUMN_UNAVAILABLE", `The change was made, but reading it back failed: ${result.error.message}`);
}

// ── preview ────────────────────────────────────────────────────────────────

export const checkoutAction = v.union(
  v.literal("new"), v.literal("upgrade"), v.literal("downgrade"), v.literal("trial"), v.literal("add_on"), v.literal("keep_current"),
);

export const checkoutPreview = v.object({
  planId: v.string(),
  planName: v.string(),
  action: checkoutAction,
  lines: v.array(v.object({ description: v.string(), amount: v.number() })),
  total: v.number(),
  currency: v.string(),
  /** When the change takes effect (null: now). */
  effectiveAt: v.union(v.number(), v.null()),
  nextCycle: v.union(v.object({ startsAt: v.number(), total: v.number() }), v.null()),
  /** The owner will be sent to a payment page (no card on file). */
  requiresRedirect: v.boolean(),
});

export function describePreview(plan: PlanRow, p: PreviewAttachResponse): {
  action: "new" | "upgrade" | "downgrade" | "trial" | "add_on" | "keep_current";
  effectiveAt: number | null;
} {
  const incoming = p.incoming[0];
  const effectiveAt = incoming?.effectiveAt ?? null;
  if (plan.addOn || plan.price?.interval === "one_off") return { action: "add_on", effectiveAt: null };
  if (!incoming) return { action: "keep_current", effectiveAt: null };
  if (effectiveAt !== null) return { action: "downgrade", effectiveAt };
  // A trial is free today and bills at the next cycle.
  if (plan.freeTrial && p.total === 0 && (plan.price?.amount ?? 0) > 0) return { action: "trial", effectiveAt: null };
  return { action: p.outgoing.length > 0 ? "upgrade" : "new", effectiveAt: null };
}

export const previewCheckout = ownerAction({
  args: { planId: v.string() },
  returns: checkoutPreview,
  handler: async (ctx, { planId }) => {
    const orgId = ctx.viewer.organizationId;
    const plan = await requirePlan(ctx, planId);
    const p = await withCustomer(ctx, orgId, () =>
      callAutumn("billing.preview_attach", (c, o) => c.billing.previewAttach({ customerId: orgId, planId }, o)));
    const { action, effectiveAt } = describePreview(plan, p);
    return {
      planId,
      planName: plan.name,
      action,
      lines: p.lineItems.map((l) => ({ description: l.description, amount: l.total })),
      total: p.total,
      currency: p.currency,
      effectiveAt,
      nextCycle: p.nextCycle ? { startsAt: p.nextCycle.startsAt, total: p.nextCycle.total } : null,
      requiresRedirect: p.redirectToCheckout,
    };
  },
});

// ── checkout (plans, add-ons, credit packs) ────────────────────────────────

export const checkoutResult = v.union(
  v.object({ status: v.literal("redirect"), paymentUrl: v.string() }),
  v.object({ status: v.union(v.literal("activated"), v.literal("scheduled"), v.literal("uncanceled")) }),
);

type CheckoutResult = Infer<typeof checkoutResult>;

async function attach(ctx: ActionCtx, organizationId: string, plan: PlanRow, successUrl: string): Promise<CheckoutResult> {
  const returnTo = safeRedirect(successUrl);
  // Attaching the current plan while it is canceling (or a downgrade is
  // scheduled) is Autumn's "keep current plan": an uncancel, not a purchase.
  const before: Subscription[] = await ctx.runQuery(internal.billing.catalog.customerSubscriptions, { organizationId });
  const pendingChange = !plan.addOn && before.some((s) => s.planId === plan.planId && s.status === "active"
    && (s.canceledAt !== null || before.some((o) => o.status === "scheduled" && !o.addOn)));
  const result = await withCustomer(ctx, organizationId, () =>
    callAutumn("billing.attach", (c, o) => c.billing.attach({ customerId: organizationId, planId: plan.planId, successUrl: returnTo }, o), { write: true }));
  if (result.paymentUrl) {
    await ctx.runMutation(internal.billing.watcher.startWatcher, { organizationId, planId: plan.planId });
    return { status: "redirect" as const, paymentUrl: result.paymentUrl };
  }
  await refresh(ctx, organizationId);
  const row: Subscription[] = await ctx.runQuery(internal.billing.catalog.customerSubscriptions, { organizationId });
  const sub = row.find((s) => s.planId === plan.planId);
  if (sub?.status === "scheduled") return { status: "scheduled" as const };
  return { status: pendingChange && sub?.canceledAt === null ? ("uncanceled" as const) : ("activated" as const) };
}

/** Subscribe, upgrade (now), downgrade (at period end) or start a trial. */
export const checkout = ownerAction({
  args: { planId: v.string(), successUrl: v.string() },
  returns: checkoutResult,
  handler: async (ctx, { planId, successUrl }) => {
    const plan = await requirePlan(ctx, planId);
    if (plan.addOn) throw billingError("INVALID_ARGUMENT", `${plan.name} is an add-on; use purchaseAddOn`, { planId });
    return attach(ctx, ctx.viewer.organizationId, plan, successUrl);
  },
});

/** Buy an add-on or a one-off credit pack (stacks on the current plan). */
export const purchaseAddOn = ownerAction({
  args: { planId: v.string(), successUrl: v.string() },
  returns: checkoutResult,
  handler: async (ctx, { planId, successUrl }) => {
    const plan = await requirePlan(ctx, planId);
    if (!plan.addOn) throw billingError("INVALID_ARGUMENT", `${plan.name} is not an add-on; use checkout`, { planId });
    return attach(ctx, ctx.viewer.organizationId, plan, successUrl);
  },
});

// ── cancel / uncancel / portal ─────────────────────────────────────────────

export const cancelSubscription = ownerAction({
  args: { planId: v.string(), cancelAction: v.optional(v.union(v.literal("end_of_cycle"), v.literal("immediately"))) },
  returns: v.null(),
  handler: async (ctx, { planId, cancelAction }) => {
    const orgId = ctx.viewer.organizationId;
    await callAutumn("billing.update", (c, o) => c.billing.update({
      customerId: orgId, planId, cancelAction: cancelAction === "immediately" ? "cancel_immediately" : "cancel_end_of_cycle",
    }, o), { write: true });
    await refresh(ctx, orgId);
    return null;
  },
});

/** Undo a pending end-of-cycle cancel or a scheduled downgrade ("keep current plan"). */
export const uncancelSubscription = ownerAction({
  args: { planId: v.string() },
  returns: v.null(),
  handler: async (ctx, { planId }) => {
    const orgId = ctx.viewer.organizationId;
    await callAutumn("billing.update", (c, o) => c.billing.update({ customerId: orgId, planId, cancelAction: "uncancel" }, o), { write: true });
    await refresh(ctx, orgId);
    return null;
  },
});

export const openBillingPortal = ownerAction({
  args: { returnUrl: v.string() },
  returns: v.object({ url: v.string() }),
  handler: async (ctx, { returnUrl }) => {
    const orgId = ctx.viewer.organizationId;
    const returnTo = safeRedirect(returnUrl);
    const { url } = await withCustomer(ctx, orgId, () =>
      callAutumn("billing.open_customer_portal", (c, o) => c.billing.openCustomerPortal({ customerId: orgId, returnUrl: returnTo }, o), { write: true }));
    return { url };
  },
});
