// Global admin: every cached plan (archived too) with its entitlements
// (boolean / metered / credit system), and "Sync from Autumn" with the last
// sync's time and result (features, plans, pruned, or the error).
import { useAction } from "convex/react";
import { useState } from "react";
import { useBillingContext } from "../context";
import { formatDateTime, formatPlanPrice } from "../format";
import { useBillingErrors } from "../hooks/useBillingErrors";
import { useBillingQuery } from "../hooks/useBillingQuery";
import { useBillingTask } from "../hooks/useBillingTask";
import { orderPlans } from "../planActions";
import type { PlanItem, PlanSyncResult } from "../types";
import { requireAdminApi } from "./requireAdminApi";

const KIND_LABELS: Record<PlanItem["featureType"], string> = {
  boolean: "boolean",
  metered: "metered",
  credit_system: "credit",
  ai_credit_system: "credit",
};

function entitlement(item: PlanItem): string {
  if (item.featureType === "boolean") return "included";
  if (item.unlimited) return "unlimited";
  const reset = item.reset ? (item.reset.interval === "one_off" ? ", never resets" : `, resets every ${item.reset.intervalCount > 1 ? `${item.reset.intervalCount} ${item.reset.interval}s` : item.reset.interval}`) : "";
  const overage = item.price?.billingMethod === "usage_based" ? ", overage billed" : "";
  return `${item.included}${item.consumable ? "" : " (allocated)"}${reset}${overage}`;
}

export function PlansPanel() {
  const { api, locale } = useBillingContext();
  const list = useBillingQuery(requireAdminApi(api, "adminListAllPlans"), {});
  const syncPlans = useAction(requireAdminApi(api, "adminSyncPlans"));
  const task = useBillingTask();
  const { describe } = useBillingErrors();
  const [result, setResult] = useState<PlanSyncResult | null>(null);

  const sync = async () => {
    setResult(null);
    const r = await task.run(() => syncPlans({}));
    if (r) setResult(r);
  };

  const lastSync = list.data?.lastSync ?? null;
  return (
    <section className="billing-admin" aria-labelledby="billing-admin-plans">
      <div className="billing-admin__header">
        <h2 id="billing-admin-plans">Plans</h2>
        <button type="button" className="billing-button billing-button--primary" disabled={task.pending} onClick={() => { void sync(); }}>
          {task.pending ? "Syncing…" : "Sync from Autumn"}
        </button>
      </div>
      <div className="billing-admin__sync" role="status">
        {result ? (
          result.ok
            ? `Synced ${result.features} features and ${result.plans} plans; pruned ${result.pruned}.`
            : `Sync failed: ${result.error?.message ?? "unknown error"}`
        ) : lastSync ? (
          <>
            Last sync {formatDateTime(lastSync.finishedAt, locale)}:{" "}
            {lastSync.ok
              ? `${lastSync.features} features, ${lastSync.plans} plans, ${lastSync.pruned} pruned`
              : `failed (${lastSync.error?.message ?? "unknown error"})`}
          </>
        ) : list.status === "success" ? "Never synced." : null}
      </div>
      {task.error ? <p role="alert" className="billing-error-text">{task.error.message}</p> : null}
      {list.status === "error" ? <p role="alert" className="billing-error-text">{describe(list.error).message}</p> : null}
      {list.status === "loading" ? <div className="billing-skeleton billing-skeleton--block" aria-hidden="true" /> : null}
      {list.data ? (
        list.data.plans.length === 0 ? <p className="billing-muted">No plans cached yet. Sync from Autumn.</p> : (
          <div className="billing-admin__plans">
            {orderPlans(list.data.plans).map((plan) => (
              <article key={plan.planId} className="billing-admin-plan" data-archived={plan.archived || undefined}>
                <header className="billing-admin-plan__header">
                  <h3>{plan.name}</h3>
                  <code>{plan.planId}</code>
                  {plan.addOn ? <span className="billing-badge billing-badge--muted">add-on</span> : null}
                  {plan.autoEnable ? <span className="billing-badge billing-badge--muted">default</span> : null}
                  {plan.archived ? <span className="billing-badge billing-badge--muted">archived</span> : null}
                  <span className="billing-muted">v{plan.version} · {formatPlanPrice(plan.price)}</span>
                </header>
                {plan.items.length === 0 ? <p className="billing-muted">No features.</p> : (
                  <table className="billing-table">
                    <thead><tr><th scope="col">Feature</th><th scope="col">Kind</th><th scope="col">Entitlement</th></tr></thead>
                    <tbody>
                      {plan.items.map((item) => (
                        <tr key={item.featureId}>
                          <td>{item.featureName} <code className="billing-muted">{item.featureId}</code></td>
                          <td>{KIND_LABELS[item.featureType]}</td>
                          <td>{entitlement(item)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </article>
            ))}
          </div>
        )
      ) : null}
    </section>
  );
}
