// What the org will pay and how (issue 14): the next charge (plan price +
// usage-based overage accrued so far and projected to the period end from
// the usage ledger), the card on file with "Update card" (setup_payment's
// hosted page), the full invoice history (invoices.list, cursor-paged), and
// the past-due state with "Pay now".
//
// "Pay now" sends the owner to Autumn's payment page (billing.setup_payment):
// the card entered there is charged for the open invoices (Stripe's retry of
// an unpaid invoice), Autumn reports the subscription current again and the
// cache (webhook or the return-page sync) clears the banner. It deliberately
// does NOT call invoices.pay: that marks an invoice paid OUT OF BAND without
// collecting money (autumn-controls.md §5), which an owner must never be able
// to do to their own debt; it is for operators who collected elsewhere.
import { v } from "convex/values";
import type { QueryCtx } from "../_generated/server";
import { callAutumn } from "./autumn";
import { withCustomer } from "./customerAccess";
import { loadCustomer, loadPlans } from "./cache";
import { billingError } from "./errors";
import { canManage, memberAction, memberQuery, ownerAction } from "./functions";
import { safeRedirect } from "./purchase";
import type { CustomerRow, PlanRow } from "./schema";

const DAY_MS = 86_400_000;
export const MAX_INVOICE_PAGE = 100;

// ── next charge (cache only) ─────────────────────────────────────────────────

const chargeLine = v.object({ description: v.string(), amount: v.number(), featureId: v.union(v.string(), v.null()) });
export const nextCharge = v.union(v.null(), v.object({
  planId: v.string(),
  planName: v.string(),
  at: v.number(),
  currency: v.string(),
  planAmount: v.number(),
  /** Usage-based overage so far this period. */
  overageSoFar: v.number(),
  /** Overage if usage continues at the last 7 days' pace until `at`. */
  projectedOverage: v.number(),
  total: v.number(),
  lines: v.array(chargeLine),
}));

function priceIn(plan: PlanRow, currency: string): number {
  if (!plan.price) return 0;
  if (plan.price.currency.toLowerCase() === currency) return plan.price.amount;
  return plan.price.additionalCurrencies.find((c) => c.currency.toLowerCase() === currency)?.amount ?? plan.price.amount;
}

async function recentDailyUnits(ctx: QueryCtx, organizationId: string, featureId: string, now: number): Promise<number> {
  const to = Math.floor(now / DAY_MS) * DAY_MS;
  const from = to - 6 * DAY_MS;
  const rows = await ctx.db.query("billingUsageDays")
    .withIndex("by_organizationId_featureId_day", (q) => q.eq("organizationId", organizationId).eq("featureId", featureId).gte("day", from).lte("day", to))
    .take(7 * 16);
  return rows.reduce((s, r) => s + r.units, 0) / 7;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export async function computeNextCharge(ctx: QueryCtx, organizationId: string, row: CustomerRow | null, plans: PlanRow[], now: number) {
  const main = row?.subscriptions.find((s) => s.status === "active" && !s.addOn);
  if (!row || !main || main.currentPeriodEnd === null) return null;
  // Canceling with nothing scheduled: no further charge for this plan.
  const scheduled = row.subscriptions.find((s) => s.status === "scheduled" && !s.addOn);
  if (main.canceledAt !== null && !scheduled) return null;
  const plan = plans.find((p) => p.planId === (scheduled?.planId ?? main.planId)) ?? null;
  const current = plans.find((p) => p.planId === main.planId) ?? null;
  const currency = (row.currency ?? plan?.price?.currency ?? "usd").toLowerCase();
  const planAmount = plan ? priceIn(plan, currency) : 0;
  const lines: Array<{ description: string; amount: number; featureId: string | null }> = [{ description: plan?.name ?? main.planName, amount: planAmount, featureId: null }];
  let overageSoFar = 0;
  let projectedOverage = 0;
  for (const item of current?.items ?? []) {
    if (item.price?.billingMethod !== "usage_based" || item.price.amount === null) continue;
    const b = row.balances.find((x) => x.featureId === item.featureId);
    if (!b || b.unlimited) continue;
    const unit = item.price.amount / Math.max(1, item.price.billingUnits);
    const over = Math.max(0, b.usage - item.included);
    const daysLeft = Math.max(0, (main.currentPeriodEnd - now) / DAY_MS);
    const projectedUsage = b.usage + (await recentDailyUnits(ctx, organizationId, item.featureId, now)) * daysLeft;
    const soFar = round2(over * unit);
    const projected = round2(Math.max(0, projectedUsage - item.included) * unit);
    overageSoFar += soFar;
    projectedOverage += projected;
    if (projected > 0) lines.push({ description: `${item.featureName} over ${item.included} included`, amount: projected, featureId: item.featureId });
  }
  return {
    planId: plan?.planId ?? main.planId, planName: plan?.name ?? main.planName, at: main.currentPeriodEnd, currency,
    planAmount, overageSoFar: round2(overageSoFar), projectedOverage: round2(projectedOverage), total: round2(planAmount + projectedOverage), lines,
  };
}

export const getNextCharge = memberQuery({
  args: {},
  returns: nextCharge,
  handler: async (ctx) => {
    const orgId = ctx.viewer.organizationId;
    const [row, plans] = await Promise.all([loadCustomer(ctx, orgId), loadPlans(ctx, true)]);
    return computeNextCharge(ctx, orgId, row, plans, Date.now());
  },
});

// ── past due (cache only) ────────────────────────────────────────────────────

export const getPastDue = memberQuery({
  args: {},
  returns: v.object({
    pastDue: v.boolean(),
    openInvoices: v.array(v.object({ invoiceId: v.string(), total: v.number(), currency: v.string(), createdAt: v.number(), hostedInvoiceUrl: v.union(v.string(), v.null()) })),
    canPay: v.boolean(),
  }),
  handler: async (ctx) => {
    const row = await loadCustomer(ctx, ctx.viewer.organizationId);
    const pastDue = row?.subscriptions.some((s) => s.status === "active" && s.pastDue) ?? false;
    const open = (row?.invoices ?? []).filter((i) => i.status === "open")
      .map((i) => ({ invoiceId: i.stripeId, total: i.total, currency: i.currency, createdAt: i.createdAt, hostedInvoiceUrl: i.hostedInvoiceUrl }));
    return { pastDue: pastDue || open.length > 0, openInvoices: open, canPay: canManage(ctx.viewer) };
  },
});

/** "Pay now" / "Update card": Autumn's payment page; the card saved there pays the open invoices. */
export const openPaymentSetup = ownerAction({
  args: { returnUrl: v.string() },
  returns: v.object({ url: v.string() }),
  handler: async (ctx, { returnUrl }) => {
    const successUrl = safeRedirect(returnUrl);
    const orgId = ctx.viewer.organizationId;
    const res = await withCustomer(ctx, orgId, () =>
      callAutumn("billing.setup_payment", (c, o) => c.billing.setupPayment({ customerId: orgId, successUrl }, o), { write: true }));
    const url = (res as { url?: unknown }).url;
    if (typeof url !== "string") throw billingError("AUTUMN_ERROR", "Autumn returned no payment page");
    return { url };
  },
});

// ── card on file and invoice history (Autumn reads) ─────────────────────────

export const paymentMethod = v.union(v.null(), v.object({ brand: v.string(), last4: v.string(), expMonth: v.union(v.number(), v.null()), expYear: v.union(v.number(), v.null()) }));

/** Autumn's `payment_method` expand (Stripe's shape: {type, card:{brand,last4,exp_month,exp_year}}; the sandbox sends exp "MM/YY"). */
export function cardOf(pm: unknown): typeof paymentMethod.type {
  const rec = (x: unknown): Record<string, unknown> | null => (typeof x === "object" && x !== null ? (x as Record<string, unknown>) : null);
  const card = rec(rec(pm)?.card);
  if (!card || typeof card.last4 !== "string") return null;
  let expMonth = typeof card.exp_month === "number" ? card.exp_month : typeof card.expMonth === "number" ? card.expMonth : null;
  let expYear = typeof card.exp_year === "number" ? card.exp_year : typeof card.expYear === "number" ? card.expYear : null;
  const m = typeof card.exp === "string" ? /^(\d{1,2})\/(\d{2,4})$/.exec(card.exp) : null;
  if (m) {
    expMonth = Number(m[1]);
    expYear = Number(m[2]) < 100 ? 2000 + Number(m[2]) : Number(m[2]);
  }
  return { brand: typeof card.brand === "string" ? card.brand : "card", last4: card.last4, expMonth, expYear };
}

export const getPaymentMethod = memberAction({
  args: {},
  returns: paymentMethod,
  handler: async (ctx) => {
    const orgId = ctx.viewer.organizationId;
    const c = await withCustomer(ctx, orgId, () =>
      callAutumn("customers.get", (a, o) => a.customers.get({ customerId: orgId, expand: ["payment_method"] }, o)));
    return cardOf((c as { paymentMethod?: unknown }).paymentMethod);
  },
});

const invoiceRow = v.object({
  invoiceId: v.string(), number: v.string(), status: v.string(), total: v.number(), currency: v.string(), createdAt: v.number(),
  planIds: v.array(v.string()), hostedInvoiceUrl: v.union(v.string(), v.null()),
});

/** One page of the org's invoices, newest first (invoices.list; `cursor` from the previous page). */
export const listInvoices = memberAction({
  args: { cursor: v.optional(v.union(v.string(), v.null())), limit: v.optional(v.number()) },
  returns: v.object({ invoices: v.array(invoiceRow), nextCursor: v.union(v.string(), v.null()) }),
  handler: async (ctx, { cursor, limit }) => {
    const n = Math.min(MAX_INVOICE_PAGE, Math.max(1, Math.floor(limit ?? 10)));
    const orgId = ctx.viewer.organizationId;
    const page = await withCustomer(ctx, orgId, () =>
      callAutumn("invoices.list", (c, o) => c.invoices.list({ customerId: orgId, startCursor: cursor ?? "", limit: n }, o)));
    return {
      invoices: page.list.map((i) => ({
        invoiceId: i.id, number: i.stripeId, status: i.status, total: i.total, currency: i.currency, createdAt: i.createdAt,
        planIds: i.planIds, hostedInvoiceUrl: i.hostedInvoiceUrl ?? null,
      })),
      nextCursor: page.nextCursor,
    };
  },
});
