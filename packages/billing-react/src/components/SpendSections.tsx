// The billing tab's spend sections (issue 14), rendered only when the app's
// api has the spend entries: the past-due banner, next charge + card on file,
// limits & alerts (controls, alerts, auto top-up), and the paged invoice
// history. Kept out of BillingTab.tsx so that file only wires them in.
import type { ReactNode } from "react";
import { useBillingContext } from "../context";
import { hasSpendApi } from "../spend/useSpendApi";
import { AutoTopupForm } from "./AutoTopupForm";
import { InvoiceHistory } from "./InvoiceHistory";
import { NextCharge } from "./NextCharge";
import { PastDueBanner } from "./PastDueBanner";
import { PaymentMethod } from "./PaymentMethod";
import { SpendControls } from "./SpendControls";
import { UsageAlertsForm } from "./UsageAlertsForm";

function SpendSection({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="billing-section" aria-labelledby={`billing-section-${id}`}>
      <h2 id={`billing-section-${id}`} className="billing-section__title">{title}</h2>
      {children}
    </section>
  );
}

export function useHasSpendApi(): boolean {
  return hasSpendApi(useBillingContext().api);
}

export function SpendBanner() {
  return useHasSpendApi() ? <PastDueBanner /> : null;
}

export function SpendPaymentSection({ canManage }: { canManage: boolean }) {
  if (!useHasSpendApi()) return null;
  return (
    <SpendSection id="next-charge" title="Next charge">
      <NextCharge />
      <h3 className="billing-subtitle">Payment method</h3>
      <PaymentMethod canManage={canManage} />
    </SpendSection>
  );
}

export function SpendLimitsSection({ currency }: { currency?: string }) {
  if (!useHasSpendApi()) return null;
  return (
    <SpendSection id="limits" title="Limits & alerts">
      <SpendControls {...(currency ? { currency } : {})} />
      <h3 className="billing-subtitle">Usage alerts</h3>
      <UsageAlertsForm />
      <AutoTopupForm />
    </SpendSection>
  );
}

/** The paged history when the api has listInvoices; null otherwise (the tab keeps its cached list). */
export function SpendInvoices({ planNames, refreshKey }: { planNames: Readonly<Record<string, string>>; refreshKey?: string }) {
  return useHasSpendApi() ? <InvoiceHistory planNames={planNames} refreshKey={refreshKey} /> : null;
}
