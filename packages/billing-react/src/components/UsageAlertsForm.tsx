// Usage alerts (issue 14): owners pick thresholds per feature — a share of
// the grant used (80 %, 100 %) or an amount left — saved as the org's whole
// alert list to Autumn. A crossing becomes a notification in the bell and an
// email to owners, once per threshold per period.
import { useAction } from "convex/react";
import { useState, type FormEvent } from "react";
import { useBillingQuery } from "../hooks/useBillingQuery";
import { useBillingTask } from "../hooks/useBillingTask";
import type { AlertInput } from "../spendApi";
import { parseAmount, useSpendApi } from "../spend/useSpendApi";

export function describeAlert(a: { thresholdType: string; threshold: number }, featureName: string): string {
  return a.thresholdType === "usage_percentage" ? `${a.threshold}% of ${featureName} used`
    : a.thresholdType === "remaining" ? `${a.threshold.toLocaleString()} ${featureName} left`
    : a.thresholdType === "remaining_percentage" ? `${a.threshold}% of ${featureName} left`
    : `${a.threshold.toLocaleString()} ${featureName} used`;
}

export function UsageAlertsForm() {
  const api = useSpendApi();
  const view = useBillingQuery(api.getSpendControls, {});
  const setUsageAlerts = useAction(api.setUsageAlerts);
  const task = useBillingTask();
  const [featureId, setFeatureId] = useState("");
  const [type, setType] = useState<AlertInput["thresholdType"]>("usage_percentage");
  const [threshold, setThreshold] = useState("80");
  const [error, setError] = useState<string | null>(null);
  if (view.status !== "success") return view.status === "error" ? <p className="billing-error-text">Alerts aren't available right now.</p> : null;
  const { controls, canManage } = view.data;
  const features = view.data.features.filter((f) => f.included !== false);
  const name = (id: string | null) => (id ? view.data.features.find((f) => f.featureId === id)?.name ?? id : "any feature");
  // The alerts this form edits; the others (plan defaults, any-feature or other kinds set in Autumn) are shown and
  // left alone — the server keeps them when the form saves its list.
  const editable = (a: { source: string | null; featureId: string | null; thresholdType: string }) =>
    a.source !== "plan" && a.featureId !== null && (a.thresholdType === "usage_percentage" || a.thresholdType === "remaining");
  const current: AlertInput[] = controls.usageAlerts
    .filter(editable)
    .map((a) => ({ featureId: a.featureId as string, thresholdType: a.thresholdType as AlertInput["thresholdType"], threshold: a.threshold }));
  const chosen = featureId || features[0]?.featureId || "";
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseAmount(threshold, type === "usage_percentage" ? { min: 1, max: 1000 } : {});
    if ("error" in parsed) return setError(parsed.error);
    if (current.some((a) => a.featureId === chosen && a.thresholdType === type && a.threshold === parsed.value)) return setError("That alert is already set");
    setError(null);
    await task.run(() => setUsageAlerts({ alerts: [...current, { featureId: chosen, thresholdType: type, threshold: parsed.value }] }));
  };
  const remove = (a: { featureId: string | null; thresholdType: string; threshold: number }) => void task.run(() => setUsageAlerts({
    alerts: current.filter((c) => !(c.featureId === a.featureId && c.thresholdType === a.thresholdType && c.threshold === a.threshold)),
  }));
  return (
    <div className="billing-alerts" id="usage-alerts">
      {controls.usageAlerts.length === 0 ? <p className="billing-muted">No usage alerts.</p> : (
        <ul className="billing-alert-list">
          {controls.usageAlerts.map((a) => (
            <li key={`${a.featureId}:${a.thresholdType}:${a.threshold}`}>
              <span>{describeAlert(a, name(a.featureId))}{a.source === "plan" ? " (plan default)" : ""}</span>
              {canManage && editable(a) ? (
                <button type="button" className="billing-button billing-button--small" disabled={task.pending}
                  aria-label={`Remove alert: ${describeAlert(a, name(a.featureId))}`} onClick={() => remove(a)}>
                  Remove
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {canManage ? (
        <form className="billing-control__form" onSubmit={add} noValidate aria-label="Add a usage alert">
          <label htmlFor="alert-feature">Feature</label>
          <select id="alert-feature" className="billing-input" value={chosen} onChange={(e) => setFeatureId(e.target.value)}>
            {features.map((f) => <option key={f.featureId} value={f.featureId}>{f.name}</option>)}
          </select>
          <label htmlFor="alert-type">When</label>
          <select id="alert-type" className="billing-input" value={type} onChange={(e) => setType(e.target.value as AlertInput["thresholdType"])}>
            <option value="usage_percentage">% of the allowance is used</option>
            <option value="remaining">this many are left</option>
          </select>
          <label htmlFor="alert-threshold">Threshold</label>
          <input id="alert-threshold" className="billing-input" inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)}
            aria-invalid={error ? true : undefined} aria-describedby={error ? "alert-error" : undefined} />
          <button type="submit" className="billing-button billing-button--small" disabled={task.pending || !chosen}>Add alert</button>
          {error ?? task.error ? <p id="alert-error" className="billing-error-text" role="alert">{error ?? task.error?.message}</p> : null}
        </form>
      ) : <p className="billing-muted">Owners get alert emails; everyone sees them in the bell.</p>}
    </div>
  );
}
