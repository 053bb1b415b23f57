// Server-rendered hosted pages that stand in for Stripe Checkout and the
// Stripe billing portal: the checkout page (test cards for success, decline
// and a 3-D Secure-like "requires action" step), the portal (plan, invoices,
// payment method, cancel/uncancel) and a printable invoice. Every value from
// the catalog or the customer is HTML-escaped.

import type { Ctx } from "./context.js";
import { update } from "./billingUpdate.js";
import { describeSession, TEST_CARDS } from "./checkout.js";
import { latestPlan } from "./catalogLookups.js";
import { formatMoney } from "./money.js";
import type { CheckoutSession, CustomerRecord } from "./state.js";

export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f6f7fb;--card:#fff;--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--accent:#4f46e5;--bad:#b91c1c}
@media (prefers-color-scheme:dark){:root{--bg:#0b0d12;--card:#151922;--fg:#e5e7eb;--muted:#9ca3af;--line:#272c38;--accent:#818cf8;--bad:#f87171}}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:880px;margin:0 auto;padding:32px 16px;display:grid;gap:24px;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));align-items:start}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:24px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:0 0 12px}.muted{color:var(--muted)}
.banner{grid-column:1/-1;font-size:13px;color:var(--muted);display:flex;justify-content:space-between}
.badge{display:inline-block;font-size:12px;padding:2px 8px;border-radius:999px;border:1px solid var(--line)}
table{width:100%;border-collapse:collapse}td{padding:8px 0;border-bottom:1px solid var(--line)}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:600;border-bottom:0}
label{display:block;font-size:13px;margin:12px 0 4px}input{width:100%;padding:10px;border:1px solid var(--line);border-radius:8px;background:transparent;color:inherit;font:inherit}
button{margin-top:16px;width:100%;padding:12px;border:0;border-radius:8px;background:var(--accent);color:#fff;font:inherit;font-weight:600;cursor:pointer}
button.secondary{background:transparent;color:var(--fg);border:1px solid var(--line)}
.error{color:var(--bad);margin-top:12px}.cards{font-size:13px;color:var(--muted)}code{font-size:13px}
`;

function layout(title: string, body: string, status = 200): { status: number; html: string } {
  return {
    status,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><link rel="icon" href="data:,"><style>${STYLE}</style></head><body><main><div class="banner"><span>Autumn sandbox &middot; test mode</span><span>No real money moves here</span></div>${body}</main></body></html>`,
  };
}

export function notFoundPage(what: string): { status: number; html: string } {
  return layout("Not found", `<section><h1>Not found</h1><p class="muted">This ${escapeHtml(what)} does not exist or has expired.</p></section>`, 404);
}

function summary(ctx: Ctx, s: CheckoutSession): string {
  const d = describeSession(ctx, s);
  const rows = d.lines.map((l) => `<tr><td>${escapeHtml(l.description)}</td><td class="num">${escapeHtml(l.amount)}</td></tr>`).join("");
  return `<section aria-label="Order summary"><p class="muted">Subscribe to</p><h1 data-testid="plan-name">${escapeHtml(d.planName)}</h1>
${d.trial ? `<p class="badge" data-testid="trial">${escapeHtml(d.trial)}</p>` : ""}
<table>${rows}<tr class="total"><td>Total due today</td><td class="num" data-testid="total">${escapeHtml(d.total)}</td></tr></table></section>`;
}

export function checkoutPage(ctx: Ctx, s: CheckoutSession, status = 200): { status: number; html: string } {
  // Superseded by a retried attach with other params (or a direct charge), like an expired Stripe session.
  if (s.status === "expired") return notFoundPage("checkout session");
  if (s.status === "processing" || s.status === "complete") {
    return layout("Payment received", `<section><h1>Payment received</h1><p class="muted">Your plan is being activated.</p>${s.success_url ? `<p><a href="${escapeHtml(s.success_url)}">Return to the app</a></p>` : ""}</section>`);
  }
  if (s.status === "requires_action") {
    return layout("Confirm your payment", `${summary(ctx, s)}<section><h1>Authenticate this payment</h1>
<p class="muted">Your bank asks you to confirm this payment (3-D Secure test).</p>
<form method="post" action="/checkout/${escapeHtml(s.id)}/authenticate"><input type="hidden" name="result" value="complete"><button type="submit">Complete authentication</button></form>
<form method="post" action="/checkout/${escapeHtml(s.id)}/authenticate"><input type="hidden" name="result" value="fail"><button type="submit" class="secondary">Fail authentication</button></form></section>`, status);
  }
  const title = s.kind === "setup" ? "Add a payment method" : "Pay";
  return layout(`Checkout · ${describeSession(ctx, s).planName}`, `${s.kind === "attach" ? summary(ctx, s) : ""}<section><h2>${title}</h2>
<form method="post" action="/checkout/${escapeHtml(s.id)}/pay">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" placeholder="you@example.com">
<label for="card">Card number</label><input id="card" name="card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>
<label for="exp">Expiry</label><input id="exp" name="exp" placeholder="12 / 34" value="12 / 34">
<label for="cvc">CVC</label><input id="cvc" name="cvc" placeholder="123" value="123">
<button type="submit">${s.kind === "setup" ? "Save card" : s.total > 0 ? `Pay ${escapeHtml(formatMoney(s.total, s.currency))}` : "Start trial"}</button>
${s.last_error ? `<p class="error" role="alert" data-testid="error">${escapeHtml(s.last_error)}</p>` : ""}
</form>
<p class="cards">Test cards: <code>${TEST_CARDS.success}</code> succeeds, <code>${TEST_CARDS.decline}</code> is declined, <code>${TEST_CARDS.requiresAction}</code> asks for authentication, <code>${TEST_CARDS.chargesFail}</code> pays now but fails later charges (past due).</p>
</section>`, status);
}

function date(ms: number | null): string {
  return ms === null ? "" : new Date(ms).toISOString().slice(0, 10);
}

export function portalPage(ctx: Ctx, c: CustomerRecord, portalId: string, returnUrl: string | null, message: string | null = null): { status: number; html: string } {
  const subs = c.products.filter((p) => p.status !== "expired");
  const rows = subs.map((p) => {
    const plan = latestPlan(ctx.state, p.plan_id);
    const state = p.status === "scheduled" ? `Starts ${date(p.starts_at)}`
      : p.canceled_at !== null ? `Ends ${date(p.expires_at)}`
      : p.trial_ends_at !== null && p.trial_ends_at > ctx.now(c) ? `Trial ends ${date(p.trial_ends_at)}`
      : p.current_period_end !== null ? `Renews ${date(p.current_period_end)}` : "Active";
    const action = p.status !== "active" || p.current_period_end === null ? ""
      : p.canceled_at !== null
        ? `<form method="post" action="/portal/${escapeHtml(portalId)}/uncancel"><input type="hidden" name="plan_id" value="${escapeHtml(p.plan_id)}"><button type="submit" class="secondary">Renew plan</button></form>`
        : `<form method="post" action="/portal/${escapeHtml(portalId)}/cancel"><input type="hidden" name="plan_id" value="${escapeHtml(p.plan_id)}"><button type="submit" class="secondary">Cancel plan</button></form>`;
    return `<tr><td><strong>${escapeHtml(plan?.name ?? p.plan_id)}</strong><br><span class="muted">${escapeHtml(state)}</span>${p.past_due ? ' <span class="badge">Past due</span>' : ""}</td><td class="num">${action}</td></tr>`;
  }).join("");
  const invoices = [...c.invoices].sort((a, b) => b.created_at - a.created_at).map((i) =>
    `<tr><td><a href="/invoices/${escapeHtml(i.id)}">${escapeHtml(date(i.created_at))}</a> <span class="muted">${escapeHtml(i.status)}</span></td><td class="num">${escapeHtml(formatMoney(i.total, i.currency))}</td></tr>`).join("");
  return layout("Billing portal", `<section><h1>${escapeHtml(c.name ?? c.id)}</h1><p class="muted">${escapeHtml(c.email ?? "")}</p>
${returnUrl ? `<p><a href="${escapeHtml(returnUrl)}" data-testid="return">&larr; Return to the app</a></p>` : ""}
${message ? `<p role="status">${escapeHtml(message)}</p>` : ""}
<h2>Current plan</h2><table>${rows || '<tr><td class="muted">No plan</td></tr>'}</table></section>
<section><h2>Payment method</h2><p>${c.payment_method ? `${escapeHtml(c.payment_method.brand.toUpperCase())} &bull;&bull;&bull;&bull; ${escapeHtml(c.payment_method.last4)}` : '<span class="muted">None on file</span>'}</p>
<h2>Invoices</h2><table>${invoices || '<tr><td class="muted">No invoices yet</td></tr>'}</table></section>`);
}

export function portalAction(ctx: Ctx, c: CustomerRecord, action: "cancel" | "uncancel", planId: string): string {
  update(ctx, { customer_id: c.id, plan_id: planId, cancel_action: action === "cancel" ? "cancel_end_of_cycle" : "uncancel" });
  return action === "cancel" ? "Your plan will end at the end of the billing period." : "Your plan will renew.";
}

export function invoicePage(ctx: Ctx, invoiceId: string): { status: number; html: string } {
  for (const c of Object.values(ctx.state.customers)) {
    const i = c.invoices.find((x) => x.id === invoiceId);
    if (!i) continue;
    return layout(`Invoice ${i.id}`, `<section><h1>Invoice ${escapeHtml(i.id)}</h1><p class="muted">${escapeHtml(c.name ?? c.id)} &middot; ${escapeHtml(date(i.created_at))} &middot; ${escapeHtml(i.status)}</p>
<table><tr><td>${escapeHtml(i.description)}</td><td class="num">${escapeHtml(formatMoney(i.total, i.currency))}</td></tr><tr class="total"><td>Total</td><td class="num">${escapeHtml(formatMoney(i.total, i.currency))}</td></tr></table></section>`);
  }
  return notFoundPage("invoice");
}
