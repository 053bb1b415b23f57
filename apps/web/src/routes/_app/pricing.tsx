// Pricing: every plan side by side (the current one marked), and the
// add-ons. Owners pick a plan to open the checkout dialog (preview, then
// confirm or the payment page); others see prices only. Prices are shown,
// and charged, in one currency: before the org's first payment the visitor
// picks it (default from the browser locale: pt-BR → BRL, else USD; only
// currencies the catalog prices in); after it, Autumn has locked the org's
// currency and the picker gives way to a note. Plans without a price in the
// currency are not offered.
import { CurrencySelect, PricingTable, useBilling, useBillingContext, useBillingQuery } from "@billing/react";
import { createFileRoute, Link } from "@tanstack/react-router";

export const Route = createFileRoute("/_app/pricing")({ component: PricingPage });

function PricingPage() {
  const { api } = useBillingContext();
  const { billing, canManage, status } = useBilling();
  const plans = useBillingQuery(api.listPlans, {});
  const addOns = (plans.data ?? []).filter((p) => p.addOn && !p.archived);

  return (
    <div className="page">
      <header className="page__header page__header--row">
        <div>
          <h1>Pricing</h1>
          <p className="muted">
            {billing?.plan ? <>You're on <strong>{billing.plan.name}</strong>. </> : null}
            {canManage ? "Pick a plan to see exactly what you'll pay before confirming." : status === "ready" ? "Only the organization's owner can change the plan." : null}
          </p>
        </div>
        <CurrencySelect className="inline-field" />
      </header>

      <section aria-labelledby="plans-title">
        {/* Headings go h1 → h2 → h3 (each plan card's name). */}
        <h2 id="plans-title" className="sr-only">Plans</h2>
        <PricingTable {...(plans.data ? { plans: plans.data } : {})} />
      </section>

      {addOns.length > 0 ? (
        <section aria-labelledby="addons-title" className="page__section">
          <h2 id="addons-title">Add-ons</h2>
          <p className="muted">One-off purchases on top of any plan.</p>
          <PricingTable plans={addOns} includeAddOns />
        </section>
      ) : null}

      <p className="muted small">
        Manage your subscription, invoices and cancellation in <Link to="/settings/billing">Billing settings</Link>.
      </p>
    </div>
  );
}
