// Settings → Billing: the current plan and its status, usage bars with next
// reset, included features, plan cards, add-ons, usage over time, invoices
// and plan history (chart and history only when the api has those entries).
// Owners get the actions (change plan, buy add-ons, manage billing,
// cancel/uncancel); admins and members see everything read-only.
// The loading skeleton has the loaded layout's sizes (no layout shift).
import type { ReactNode } from "react";
import { useBillingContext } from "../context";
import { formatDateTime } from "../format";
import { useBilling } from "../hooks/useBilling";
import { useBillingErrors } from "../hooks/useBillingErrors";
import { useBillingQuery } from "../hooks/useBillingQuery";
import { hasSpendApi } from "../spend/useSpendApi";
import { AddOns } from "./AddOns";
import { CurrencySelect } from "./CurrencySelect";
import { CurrentPlan } from "./CurrentPlan";
import { InvoiceHistory } from "./InvoiceHistory";
import { InvoiceList } from "./InvoiceList";
import { PastDueBanner } from "./PastDueBanner";
import { PricingTable } from "./PricingTable";
import { SubscriptionHistory } from "./SubscriptionHistory";
import { LazyUsageChart } from "./LazyUsageChart";
import { SpendLimitsSection, SpendPaymentSection } from "./SpendSections";
import { UsageList, UsageListSkeleton } from "./UsageList";

export interface BillingTabProps {
  /** Show prices in this currency (e.g. "brl"). Default: the billing currency, with a selector until the org's first payment locks it. */
  currency?: string;
  /** Days in the usage chart (default 30). */
  usageDays?: number;
}

function Section({ title, children, busy }: { title: string; children: ReactNode; busy?: boolean }) {
  const id = `billing-section-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return (
    <section className="billing-section" aria-labelledby={id} aria-busy={busy || undefined}>
      <h2 id={id} className="billing-section__title">{title}</h2>
      {children}
    </section>
  );
}

export function BillingTab({ currency, usageDays = 30 }: BillingTabProps) {
  const { api, locale } = useBillingContext();
  const billing = useBilling();
  const plans = useBillingQuery(api.listPlans, {});
  const history = useBillingQuery(api.getSubscriptionHistory, {});
  const { describe } = useBillingErrors();
  // The app's api has the spend entries (issue 14): the one check that gates every spend section below.
  const spend = hasSpendApi(api);

  if (billing.status === "error" && billing.error) {
    return (
      <div className="billing-tab">
        <p role="alert" className="billing-error-text">{describe(billing.error).message}</p>
      </div>
    );
  }

  const view = billing.billing;
  if (!view || !view.provisioned) {
    return (
      <div className="billing-tab" aria-busy="true">
        {billing.provisioningError ? (
          <p role="alert" className="billing-error-text">Billing couldn't be set up for this organization: {billing.provisioningError.message}</p>
        ) : view ? (
          <p role="status" className="billing-muted">Setting up billing for this organization…</p>
        ) : null}
        <BillingTabSkeleton />
      </div>
    );
  }

  const canManage = billing.canManage;
  const planNames = Object.fromEntries((plans.data ?? []).map((p) => [p.planId, p.name]));
  return (
    <div className="billing-tab" data-readonly={!canManage || undefined}>
      {!canManage ? (
        <p className="billing-readonly-banner" role="note">You can view billing. Ask an owner to change the plan.</p>
      ) : null}
      {view.lastSyncError ? (
        <p className="billing-muted billing-sync-note">
          Couldn't refresh from the billing provider ({formatDateTime(view.lastSyncError.at, locale)}); showing the last known state.
        </p>
      ) : null}

      {spend ? <PastDueBanner /> : null}
      <Section title="Current plan">
        <CurrentPlan view={view} canManage={canManage} readOnlyNote={false} {...(currency ? { currency } : {})} />
      </Section>

      <Section title="Usage">
        <UsageList balances={view.balances} />
        {view.flags.length > 0 ? (
          <div className="billing-flags">
            <h3 className="billing-subtitle">Included</h3>
            <ul>{view.flags.map((f) => <li key={f.featureId}>{f.name}</li>)}</ul>
          </div>
        ) : null}
      </Section>

      {spend ? <SpendPaymentSection canManage={canManage} /> : null}
      {spend ? <SpendLimitsSection {...(view.currency ? { currency: view.currency } : {})} /> : null}

      <Section title="Plans" busy={plans.status === "loading"}>
        {currency ? null : <CurrencySelect />}
        <PricingTable {...(plans.data ? { plans: plans.data } : {})} canManage={canManage} {...(currency ? { currency } : {})} />
      </Section>

      <Section title="Add-ons">
        <AddOns view={view} plans={plans.data ?? []} canManage={canManage} {...(currency ? { currency } : {})} />
      </Section>

      {api.getUsageHistory ? (
        <Section title="Usage over time">
          <LazyUsageChart days={usageDays} />
        </Section>
      ) : null}

      <Section title="Invoices">
        {spend ? <InvoiceHistory planNames={planNames} refreshKey={view.invoices.map((i) => `${i.stripeId}:${i.status}`).join(",")} /> : <InvoiceList invoices={view.invoices} planNames={planNames} />}
      </Section>

      {api.getSubscriptionHistory ? (
        <Section title="History" busy={history.status === "loading"}>
          {history.status === "success" ? <SubscriptionHistory entries={history.data} /> : null}
          {history.status === "error" ? <p className="billing-muted">History isn't available right now.</p> : null}
        </Section>
      ) : null}
    </div>
  );
}

/** The tab's shape while loading: same sections, same heights. */
export function BillingTabSkeleton() {
  return (
    <div className="billing-tab-skeleton" aria-hidden="true">
      <section className="billing-section">
        <div className="billing-skeleton billing-skeleton--title" />
        <div className="billing-current billing-current--skeleton">
          <span className="billing-skeleton billing-skeleton--heading" />
          <span className="billing-skeleton billing-skeleton--text" />
          <span className="billing-skeleton billing-skeleton--text billing-skeleton--short" />
        </div>
      </section>
      <section className="billing-section">
        <div className="billing-skeleton billing-skeleton--title" />
        <UsageListSkeleton />
      </section>
      <section className="billing-section">
        <div className="billing-skeleton billing-skeleton--title" />
        <div className="billing-plan-grid">
          {[0, 1, 2].map((i) => <div key={i} className="billing-plan-card billing-plan-card--skeleton" />)}
        </div>
      </section>
    </div>
  );
}
