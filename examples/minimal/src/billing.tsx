// Step 8: @billing/react. The module's functions, handed to <BillingProvider>
// (TypeScript checks them against BillingApi), and a feature behind
// <BillingGuard>.
import { BillingGuard, BillingProvider, type BillingApi } from "@billing/react";
import { useAction } from "convex/react";
import { useState, type ReactNode } from "react";
import { api } from "../convex/_generated/api";

export const billingApi: BillingApi = {
  listPlans: api.billing.api.listPlans,
  getOrgBilling: api.billing.api.getOrgBilling,
  checkFeature: api.billing.api.checkFeature,
  ensureBilling: api.billing.api.ensureBilling,
  previewCheckout: api.billing.purchase.previewCheckout,
  checkout: api.billing.purchase.checkout,
  purchaseAddOn: api.billing.purchase.purchaseAddOn,
  cancelSubscription: api.billing.purchase.cancelSubscription,
  uncancelSubscription: api.billing.purchase.uncancelSubscription,
  openBillingPortal: api.billing.purchase.openBillingPortal,
  getActivation: api.billing.watcher.getActivation,
  retryActivation: api.billing.watcher.retryActivation,
};

export function Billing({ children }: { children: ReactNode }) {
  return <BillingProvider api={billingApi}>{children}</BillingProvider>;
}

/** The metered feature: shown while the org has standard messages left, an upgrade prompt after. */
export function Summarizer() {
  const summarize = useAction(api.summaries.summarize);
  const [result, setResult] = useState<string | null>(null);
  return (
    <BillingGuard featureId="standard_messages" fallback={<p>Out of summaries this month. Upgrade to keep going.</p>}>
      <button type="button" onClick={() => void summarize({ text: "the quick brown fox jumps over the lazy dog", requestId: crypto.randomUUID() }).then(setResult)}>
        Summarize
      </button>
      {result ? <p>{result}</p> : null}
    </BillingGuard>
  );
}
