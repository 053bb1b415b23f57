// The billing tab's spend sections (issue 14): next charge + card on file, and
// limits & alerts (controls, alerts, auto top-up). BillingTab renders them,
// with the past-due banner and the paged invoice history, only when the app's
// api has the spend entries (its one `hasSpendApi` check), so these don't
// check again. Kept out of BillingTab.tsx so that file only wires them in.
import type { ReactNode } from "react";
import { AutoTopupForm } from "./AutoTopupForm";
import { NextCharge } from "./NextCharge";
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

export function SpendPaymentSection({ canManage }: { canManage: boolean }) {
  return (
    <SpendSection id="next-charge" title="Next charge">
      <NextCharge />
      <h3 className="billing-subtitle">Payment method</h3>
      <PaymentMethod canManage={canManage} />
    </SpendSection>
  );
}

export function SpendLimitsSection({ currency }: { currency?: string }) {
  return (
    <SpendSection id="limits" title="Limits & alerts">
      <SpendControls {...(currency ? { currency } : {})} />
      <h3 className="billing-subtitle">Usage alerts</h3>
      <UsageAlertsForm />
      <AutoTopupForm />
    </SpendSection>
  );
}
