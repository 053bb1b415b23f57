// Global admin: one organization's billing: plan and status, last sync,
// usage bars, flags, add-ons, subscription history, and "Re-sync" (pulls
// the customer from Autumn again).
import { useAction } from "convex/react";
import { useState } from "react";
import { SubscriptionHistory } from "../components/SubscriptionHistory";
import { UsageList } from "../components/UsageList";
import { useBillingContext } from "../context";
import { formatDate, formatDateTime, formatPlanPrice } from "../format";
import { useBillingErrors } from "../hooks/useBillingErrors";
import { useBillingQuery } from "../hooks/useBillingQuery";
import { useBillingTask } from "../hooks/useBillingTask";
import type { CustomerSyncResult } from "../types";
import { requireAdminApi } from "./requireAdminApi";

export interface OrgBillingDetailProps {
  organizationId: string;
}

export function OrgBillingDetail({ organizationId }: OrgBillingDetailProps) {
  const { api, locale } = useBillingContext();
  const detail = useBillingQuery(requireAdminApi(api, "adminGetOrgBilling"), { organizationId });
  const syncCustomer = useAction(requireAdminApi(api, "adminSyncCustomer"));
  const task = useBillingTask();
  const { describe } = useBillingErrors();
  const [result, setResult] = useState<CustomerSyncResult | null>(null);

  const resync = async () => {
    setResult(null);
    const r = await task.run(() => syncCustomer({ organizationId }));
    if (r) setResult(r);
  };

  if (detail.status === "error") return <p role="alert" className="billing-error-text">{describe(detail.error).message}</p>;
  const data = detail.data;
  const view = data?.billing;
  return (
    <section className="billing-admin" aria-labelledby="billing-admin-org" aria-busy={!data || undefined}>
      <div className="billing-admin__header">
        <h2 id="billing-admin-org">Billing</h2>
        <button type="button" className="billing-button" disabled={task.pending} onClick={() => { void resync(); }}>
          {task.pending ? "Re-syncing…" : "Re-sync"}
        </button>
      </div>
      <div role="status" className="billing-admin__sync">
        {result ? (result.ok ? "Re-synced from Autumn." : `Re-sync failed: ${result.error?.message ?? "unknown error"}`) : null}
      </div>
      {task.error ? <p role="alert" className="billing-error-text">{task.error.message}</p> : null}
      {!view ? <div className="billing-skeleton billing-skeleton--block" aria-hidden="true" /> : (
        <>
          <dl className="billing-facts">
            <dt>Plan</dt>
            <dd>{view.plan ? `${view.plan.name} (${formatPlanPrice(view.plan.price)})` : view.provisioned ? "None" : "Not provisioned"}</dd>
            <dt>Status</dt>
            <dd>{view.plan?.status ?? "—"}{view.scheduledChange ? ` · switches to ${view.scheduledChange.planName}${view.scheduledChange.startsAt !== null ? ` on ${formatDate(view.scheduledChange.startsAt, locale)}` : ""}` : ""}</dd>
            <dt>Last synced</dt>
            <dd>{view.syncedAt !== null ? formatDateTime(view.syncedAt, locale) : "Never"}</dd>
            {view.lastSyncError ? (
              <>
                <dt>Last sync error</dt>
                <dd>{view.lastSyncError.code}: {view.lastSyncError.message} ({formatDateTime(view.lastSyncError.at, locale)})</dd>
              </>
            ) : null}
            {view.flags.length > 0 ? (<><dt>Features</dt><dd>{view.flags.map((f) => f.name).join(", ")}</dd></>) : null}
            {view.addOns.length > 0 ? (<><dt>Add-ons</dt><dd>{view.addOns.map((a) => `${a.planName}${a.quantity > 1 ? ` ×${a.quantity}` : ""}`).join(", ")}</dd></>) : null}
          </dl>
          <h3 className="billing-subtitle">Usage</h3>
          <UsageList balances={view.balances} />
          <h3 className="billing-subtitle">Subscription history</h3>
          <SubscriptionHistory entries={data.history} />
        </>
      )}
    </section>
  );
}
