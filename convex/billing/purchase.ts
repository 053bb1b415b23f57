// Buying and changing plans (org owners only): preview, checkout (also the
// path for add-ons and credit packs), cancel, uncancel and the billing
// portal. Every write updates the cache from Autumn's answer at once, so the
// billing tab never waits for a webhook; a checkout that needs a payment page
// starts the post-checkout watcher. Every Autumn call for the org goes through
// customerAccess.ts (tenant guard, lazy provisioning). Redirect targets must be relative paths
// or the app's own origin (no open redirects).
import type { PreviewAttachResponse } from "autumn-js";
import { v, type Infer } from "convex/values";
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { callAutumn } from "./autumn";
import { billingError, billingErrorCode } from "./errors";
import { ownerAction } from "./functions";
import { decideCurrency, isFreePlan, type CurrencyDecision } from "./currency";
import { ensureOwnCustomer, retryIfNotProvisioned, withCustomer } from "./customerAccess";
import { intentIdOrNew } from "./purchaseIntents";
import { isDuplicate, runIntent } from "./purchaseIntentRun";
import type { IntentOutcome } from "./purchaseIntentsSchema";
import { runCustomerSync } from "./sync";
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

// withCustomer / ensureOwnCustomer: customerAccess.ts (the one customer-read path).

/** Re-read the customer into the cache right after a write (no waiting for a webhook). */
async function refresh(ctx: ActionCtx, organizationId: string): Promise<void> {
  const result = await runCustomerSync(ctx, organizationId);
  if (!result.ok && result.error) throw billingError("AUTUMN_UNAVAILABLE", `The change was made, but reading it back failed: ${result.error.message}`);
}

// ── what a checkout of one plan means for this org ─────────────────────────

type CheckoutContext = {
  plan: PlanRow | null;
  subscriptions: Subscription[];
  lockedCurrency: string | null;
  multiCurrency: boolean;
  pendingPaymentUrl: string | null;
};

interface Checkout {
  plan: PlanRow;
  ctx: CheckoutContext;
  currency: CurrencyDecision;
  /** The plan is the active main plan and is canceling or has a downgrade scheduled: "keep current plan". */
  keepCurrent: boolean;
}

async function planCheckout(ctx: ActionCtx, organizationId: string, planId: string, requestedCurrency: string | undefined): Promise<Checkout> {
  const c: CheckoutContext = await ctx.runQuery(internal.billing.catalog.checkoutContext, { organizationId, planId });
  if (!c.plan || c.plan.archived) throw billingError("PLAN_NOT_FOUND", `There is no plan ${planId}`, { planId });
  const plan = c.plan;
  const currency = decideCurrency(plan, requestedCurrency, c.lockedCurrency, c.multiCurrency);
  const active = c.subscriptions.find((s) => s.planId === planId && s.status === "active");
  const keepCurrent = !plan.addOn && active !== undefined
    && (active.canceledAt !== null || c.subscriptions.some((o) => o.status === "scheduled" && !o.addOn));
  return { plan, ctx: c, currency, keepCurrent };
}

const currencyParam = (d: CurrencyDecision): { currency?: string } => (d.sendToAutumn && d.currency ? { currency: d.currency } : {});

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
  args: { planId: v.string(), currency: v.optional(v.string()) },
  returns: checkoutPreview,
  handler: async (ctx, { planId, currency }) => {
    const orgId = ctx.viewer.organizationId;
    const co = await planCheckout(ctx, orgId, planId, currency);
    const { plan } = co;
    if (co.keepCurrent) {
      // Keeping the current plan is an uncancel (billing.update), free of charge; Autumn's
      // preview_attach of the active plan is a 409 plan_already_attached, so it is not asked.
      return {
        planId, planName: plan.name, action: "keep_current" as const, lines: [], total: 0,
        currency: co.currency.currency ?? plan.price?.currency ?? "usd", effectiveAt: null, nextCycle: null, requiresRedirect: false,
      };
    }
    const p = await withCustomer(ctx, orgId, () =>
      callAutumn("billing.preview_attach", (c, o) => c.billing.previewAttach({ customerId: orgId, planId, ...currencyParam(co.currency) }, o)));
    const { action, effectiveAt } = describePreview(plan, p);
    return {
      planId,
      planName: plan.name,
      action,
      lines: p.lineItems.map((l) => ({ description: l.description, amount: l.total })),
      total: p.total,
      currency: p.currency.toLowerCase(),
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

/** Keep the current plan: uncancel aimed at the active, canceling plan (drops a scheduled downgrade too). Never a re-attach. */
async function keepCurrentPlan(ctx: ActionCtx, organizationId: string, planId: string): Promise<CheckoutResult> {
  await withCustomer(ctx, organizationId, () =>
    callAutumn("billing.update", (c, o) => c.billing.update({ customerId: organizationId, planId, cancelAction: "uncancel" }, o), { write: true }));
  await refresh(ctx, organizationId);
  return { status: "uncanceled" };
}

async function attach(ctx: ActionCtx, organizationId: string, co: Checkout, successUrl: string, intentId: string | undefined): Promise<CheckoutResult> {
  const returnTo = safeRedirect(successUrl);
  const id = intentIdOrNew(intentId);
  const { plan } = co;
  if (co.keepCurrent) return keepCurrentPlan(ctx, organizationId, plan.planId);
  const send = currencyParam(co.currency);
  const call = async (key: string): Promise<CheckoutResult> => {
    let result: { paymentUrl: string | null; invoice?: { currency: string } | undefined };
    try {
      result = await withCustomer(ctx, organizationId, () =>
        callAutumn("billing.attach", (c, o) => c.billing.attach({ customerId: organizationId, planId: plan.planId, successUrl: returnTo, ...send }, o), { write: true, idempotencyKey: key }));
    } catch (err) {
      // A retried checkout while its payment page is still open: real Autumn answers the same
      // payment_url again; should it refuse instead (409/423 other than "already attached"),
      // the page the owner was sent to is still the way to pay.
      const data = (err as { data?: { autumnCode?: unknown } }).data;
      if (billingErrorCode(err) === "CONFLICT" && !isDuplicate(err) && data?.autumnCode !== "plan_already_attached" && co.ctx.pendingPaymentUrl) {
        return { status: "redirect", paymentUrl: co.ctx.pendingPaymentUrl };
      }
      throw err;
    }
    return afterAttach(ctx, organizationId, co, result);
  };
  // A duplicate (lost answer, or a repeat that reached Autumn): what the customer now holds says whether it applied.
  const applied = async (baseline: number): Promise<CheckoutResult | null> => {
    await refresh(ctx, organizationId);
    const s = await ctx.runQuery(internal.billing.purchaseIntents.planStanding, { organizationId, planId: plan.planId });
    if (plan.addOn) return s.entries > baseline ? { status: "activated" } : null;
    return s.status === null ? null : { status: s.status === "scheduled" ? "scheduled" : "activated" };
  };
  return runIntent(ctx, { organizationId, intentId: id, action: plan.addOn ? "add_on" : "checkout", planId: plan.planId }, { call, applied });
}

async function afterAttach(ctx: ActionCtx, organizationId: string, co: Checkout, result: { paymentUrl: string | null; invoice?: { currency: string } | undefined }): Promise<CheckoutResult> {
  const { plan } = co;
  const charged = co.currency.currency ?? plan.price?.currency ?? null;
  if (result.paymentUrl) {
    await ctx.runMutation(internal.billing.watcher.startWatcher, { organizationId, planId: plan.planId, paymentUrl: result.paymentUrl });
    if (!isFreePlan(plan) && charged) await ctx.runMutation(internal.billing.currency.recordCheckoutCurrency, { organizationId, pending: charged });
    return { status: "redirect" as const, paymentUrl: result.paymentUrl };
  }
  // Charged now (the invoice names the currency Autumn locked), or a trial/free change (nothing invoiced).
  if (result.invoice?.currency) {
    await ctx.runMutation(internal.billing.currency.recordCheckoutCurrency, { organizationId, locked: result.invoice.currency });
  } else if (!isFreePlan(plan) && charged) {
    await ctx.runMutation(internal.billing.currency.recordCheckoutCurrency, { organizationId, pending: charged });
  }
  await refresh(ctx, organizationId);
  const row: Subscription[] = await ctx.runQuery(internal.billing.catalog.customerSubscriptions, { organizationId });
  const sub = row.find((s) => s.planId === plan.planId);
  return { status: sub?.status === "scheduled" ? ("scheduled" as const) : ("activated" as const) };
}

/** One purchase intent per dialog open (optional for older clients): repeats with it return the first outcome. */
const intentArg = { intentId: v.optional(v.string()) };

/** Subscribe, upgrade (now), downgrade (at period end), start a trial, or keep the current plan. */
export const checkout = ownerAction({
  args: { planId: v.string(), successUrl: v.string(), currency: v.optional(v.string()), ...intentArg },
  returns: checkoutResult,
  handler: async (ctx, { planId, successUrl, currency, intentId }) => {
    const co = await planCheckout(ctx, ctx.viewer.organizationId, planId, currency);
    if (co.plan.addOn) throw billingError("INVALID_ARGUMENT", `${co.plan.name} is an add-on; use purchaseAddOn`, { planId });
    return attach(ctx, ctx.viewer.organizationId, co, successUrl, intentId);
  },
});

/** Buy an add-on or a one-off credit pack (stacks on the current plan). */
export const purchaseAddOn = ownerAction({
  args: { planId: v.string(), successUrl: v.string(), currency: v.optional(v.string()), ...intentArg },
  returns: checkoutResult,
  handler: async (ctx, { planId, successUrl, currency, intentId }) => {
    const co = await planCheckout(ctx, ctx.viewer.organizationId, planId, currency);
    if (!co.plan.addOn) throw billingError("INVALID_ARGUMENT", `${co.plan.name} is not an add-on; use checkout`, { planId });
    return attach(ctx, ctx.viewer.organizationId, co, successUrl, intentId);
  },
});

// ── cancel / uncancel / portal ─────────────────────────────────────────────

export const cancelSubscription = ownerAction({
  args: { planId: v.string(), cancelAction: v.optional(v.union(v.literal("end_of_cycle"), v.literal("immediately"))), ...intentArg },
  returns: v.null(),
  handler: async (ctx, { planId, cancelAction, intentId }) => {
    const orgId = ctx.viewer.organizationId;
    const id = intentIdOrNew(intentId);
    await ensureOwnCustomer(ctx, orgId);
    const call = async (key: string): Promise<IntentOutcome> => {
      await retryIfNotProvisioned(ctx, orgId, () => callAutumn("billing.update", (c, o) => c.billing.update({
        customerId: orgId, planId, cancelAction: cancelAction === "immediately" ? "cancel_immediately" : "cancel_end_of_cycle",
      }, o), { write: true, idempotencyKey: key }));
      await refresh(ctx, orgId);
      return { status: "canceled" };
    };
    // A duplicate means the cancel was applied; read it back.
    const applied = async (): Promise<IntentOutcome> => { await refresh(ctx, orgId); return { status: "canceled" }; };
    await runIntent(ctx, { organizationId: orgId, intentId: id, action: "cancel", planId }, { call, applied });
    return null;
  },
});

/** Undo a pending end-of-cycle cancel or a scheduled downgrade ("keep current plan"). */
export const uncancelSubscription = ownerAction({
  args: { planId: v.string() },
  returns: v.null(),
  handler: async (ctx, { planId }) => {
    const orgId = ctx.viewer.organizationId;
    await withCustomer(ctx, orgId, () =>
      callAutumn("billing.update", (c, o) => c.billing.update({ customerId: orgId, planId, cancelAction: "uncancel" }, o), { write: true }));
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
