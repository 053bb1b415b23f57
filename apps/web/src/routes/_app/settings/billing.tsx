// Settings → Billing: the package's BillingTab (current plan and status,
// usage, plans, add-ons, usage over time, invoices, history). Owners get the
// actions; admins and members see it read-only (the tab decides from the
// caller's role). Prices in the billing currency, as on the pricing page
// (the org's locked currency once it has paid, else the visitor's pick).
import { BillingTab } from "@billing/react";
import { createFileRoute } from "@tanstack/react-router";

export const Route = createFileRoute("/_app/settings/billing")({ component: BillingSettings });

function BillingSettings() {
  return (
    <div className="page">
      <header className="page__header">
        <h1>Billing</h1>
        <p className="muted">Your organization's plan, usage and invoices.</p>
      </header>
      <BillingTab />
    </div>
  );
}
