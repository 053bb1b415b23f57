// Pricing: every plan side by side (the current one marked), and the
// add-ons. Owners pick a plan to open the checkout dialog (preview, then
// confirm or the payment page); others see prices only. Prices show in the
// org's currency: the billing module keeps no per-org currency, so the
// org's latest invoice decides, else the plans' base currency (USD); the
// visitor may switch to any currency the catalog prices in.
import { PricingTable, useBilling, useBillingContext, useBillingQuery } from "@billing/react";
import { createFileRoute, Link } from "@tanstack/react-router";
import { useState } from "react";

export const Route = createFileRoute("/_app/pricing")({ component: PricingPage });

function PricingPage() {
  const { api } = useBillingContext();
  const { billing, canManage, status } = useBilling();
  const plans = useBillingQuery(api.listPlans, {});
  const orgCurrency = (billing?.invoices[0]?.currency ?? billing?.plan?.price?.currency ?? "usd").toLowerCase();
  const [chosen, setChosen] = useState<string | null>(null);
  const currency = chosen ?? orgCurrency;
  const currencies = [...new Set([
    orgCurrency,
    ...(plans.data ?? []).flatMap((p) => (p.price ? [p.price.currency, ...p.price.additionalCurrencies.map((c) => c.currency)] : [])),
  ].map((c) => c.toLowerCase()))];
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
        {currencies.length > 1 ? (
          <label className="inline-field">
            Currency
            <select value={currency} onChange={(e) => setChosen(e.target.value)} data-testid="currency">
              {currencies.map((c) => <option key={c} value={c}>{c.toUpperCase()}</option>)}
            </select>
          </label>
        ) : null}
      </header>

      <section aria-label="Plans">
        <PricingTable currency={currency} {...(plans.data ? { plans: plans.data } : {})} />
      </section>

      {addOns.length > 0 ? (
        <section aria-labelledby="addons-title" className="page__section">
          <h2 id="addons-title">Add-ons</h2>
          <p className="muted">One-off purchases on top of any plan.</p>
          <PricingTable currency={currency} plans={addOns} includeAddOns />
        </section>
      ) : null}

      <p className="muted small">
        Manage your subscription, invoices and cancellation in <Link to="/settings/billing">Billing settings</Link>.
      </p>
    </div>
  );
}
