// Spend & usage controls (issue 14): per metered feature, a usage limit per
// period and — for features billed by usage past the grant — a monthly spend
// limit on overage and the overage switch. Owners edit (validated here and
// again on the server, whose typed INVALID_ARGUMENT is shown in place);
// everyone else sees the values and who can change them. Every save goes to
// Autumn and the cache answers reactively.
import { useAction } from "convex/react";
import { useState, type FormEvent } from "react";
import { formatMoney } from "../format";
import { useBillingQuery } from "../hooks/useBillingQuery";
import { useBillingTask } from "../hooks/useBillingTask";
import type { SpendBillingControls, SpendFeature, UsageInterval } from "../spendApi";
import { parseAmount, useSpendApi } from "../spend/useSpendApi";

const INTERVALS: UsageInterval[] = ["day", "week", "month", "year"];
const PER: Record<string, string> = { day: "per day", week: "per week", month: "per month", year: "per year" };

function FieldError({ id, text }: { id: string; text: string | null }) {
  return text ? <p id={id} className="billing-error-text" role="alert">{text}</p> : null;
}

function UsageLimitRow({ feature, controls, canManage }: { feature: SpendFeature; controls: SpendBillingControls; canManage: boolean }) {
  const api = useSpendApi();
  const setUsageLimit = useAction(api.setUsageLimit);
  const task = useBillingTask();
  const limit = controls.usageLimits.find((l) => l.featureId === feature.featureId && l.filter.length === 0 && l.enabled);
  const [value, setValue] = useState(limit ? String(limit.limit) : "");
  const [interval, setIntervalValue] = useState<UsageInterval>((limit?.interval as UsageInterval | undefined) ?? "month");
  const [error, setError] = useState<string | null>(null);
  const base = `spend-ul-${feature.featureId}`;
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseAmount(value, { integer: true });
    if ("error" in parsed) return setError(parsed.error);
    setError(null);
    await task.run(() => setUsageLimit({ featureId: feature.featureId, limit: parsed.value, interval }));
  };
  const current = limit
    ? `${limit.limit.toLocaleString()} ${PER[limit.interval] ?? limit.interval}${limit.source === "plan" ? " (plan default)" : ""} · ${limit.usage.toLocaleString()} used`
    : "No limit";
  return (
    <div className="billing-control" data-testid={`usage-limit-${feature.featureId}`}>
      <p className="billing-control__label"><strong>Usage limit</strong> <span className="billing-muted">{current}</span></p>
      {canManage ? (
        <form className="billing-control__form" onSubmit={save} noValidate>
          <label htmlFor={`${base}-value`} className="billing-sr-only">Usage limit for {feature.name}</label>
          <input id={`${base}-value`} className="billing-input" inputMode="numeric" value={value} placeholder="e.g. 1000"
            aria-invalid={error ? true : undefined} aria-describedby={error ? `${base}-error` : undefined}
            onChange={(e) => setValue(e.target.value)} />
          <label htmlFor={`${base}-interval`} className="billing-sr-only">Period for {feature.name}</label>
          <select id={`${base}-interval`} className="billing-input" value={interval} onChange={(e) => setIntervalValue(e.target.value as UsageInterval)}>
            {INTERVALS.map((i) => <option key={i} value={i}>{PER[i]}</option>)}
          </select>
          <button type="submit" className="billing-button billing-button--small" disabled={task.pending}>Save limit</button>
          {limit && limit.source !== "plan" ? (
            <button type="button" className="billing-button billing-button--small" disabled={task.pending}
              onClick={() => void task.run(async () => { await setUsageLimit({ featureId: feature.featureId, limit: null }); setValue(""); })}>
              Remove
            </button>
          ) : null}
          <FieldError id={`${base}-error`} text={error ?? task.error?.message ?? null} />
        </form>
      ) : null}
    </div>
  );
}

function OverageRow({ feature, controls, canManage, currency }: { feature: SpendFeature; controls: SpendBillingControls; canManage: boolean; currency: string }) {
  const api = useSpendApi();
  const setSpendLimit = useAction(api.setSpendLimit);
  const setOverageAllowed = useAction(api.setOverageAllowed);
  const task = useBillingTask();
  const spend = controls.spendLimits.find((s) => s.featureId === feature.featureId && s.enabled);
  const overageOff = controls.overageAllowed.find((o) => o.featureId === feature.featureId)?.enabled === false;
  const [value, setValue] = useState(spend?.overageLimit != null ? String(spend.overageLimit) : "");
  const [error, setError] = useState<string | null>(null);
  const base = `spend-sl-${feature.featureId}`;
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseAmount(value);
    if ("error" in parsed) return setError(parsed.error);
    setError(null);
    await task.run(() => setSpendLimit({ featureId: feature.featureId, overageLimit: parsed.value }));
  };
  const current = spend?.overageLimit != null ? `${formatMoney(spend.overageLimit, currency)} of overage a month` : "No spend limit";
  return (
    <div className="billing-control" data-testid={`spend-limit-${feature.featureId}`}>
      <p className="billing-control__label"><strong>Overage</strong> <span className="billing-muted">{overageOff ? "Off: usage stops at what the plan includes" : current}</span></p>
      {canManage ? (
        <>
          <label className="billing-checkbox">
            <input type="checkbox" checked={!overageOff} disabled={task.pending}
              onChange={(e) => void task.run(() => setOverageAllowed({ featureId: feature.featureId, enabled: e.target.checked }))} />
            Allow usage past the plan's {feature.name} (billed per use)
          </label>
          <form className="billing-control__form" onSubmit={save} noValidate>
            <label htmlFor={`${base}-value`}>Monthly spend limit ({currency.toUpperCase()})</label>
            <input id={`${base}-value`} className="billing-input" inputMode="decimal" value={value} placeholder="e.g. 50"
              aria-invalid={error ? true : undefined} aria-describedby={error ? `${base}-error` : undefined} onChange={(e) => setValue(e.target.value)} />
            <button type="submit" className="billing-button billing-button--small" disabled={task.pending}>Save spend limit</button>
            {spend && spend.source !== "plan" ? (
              <button type="button" className="billing-button billing-button--small" disabled={task.pending}
                onClick={() => void task.run(async () => { await setSpendLimit({ featureId: feature.featureId, overageLimit: null }); setValue(""); })}>
                Remove
              </button>
            ) : null}
            <FieldError id={`${base}-error`} text={error ?? task.error?.message ?? null} />
          </form>
        </>
      ) : null}
    </div>
  );
}

export interface SpendControlsProps {
  /** Money in this currency (default usd). */
  currency?: string;
}

export function SpendControls({ currency = "usd" }: SpendControlsProps) {
  const api = useSpendApi();
  const view = useBillingQuery(api.getSpendControls, {});
  if (view.status === "loading") return <p className="billing-muted" aria-busy="true">Loading controls…</p>;
  if (view.status === "error") return <p className="billing-error-text">Controls aren't available right now.</p>;
  const { controls, canManage } = view.data;
  // Only what the org has (a plan on Free has no premium messages to limit); the overage row where its plan bills usage.
  const features = view.data.features.filter((f) => f.included !== false);
  return (
    <div className="billing-controls" id="spend-controls">
      {!canManage ? <p className="billing-muted" role="note">Only owners can change limits. Ask an owner to raise one.</p> : null}
      {features.map((f) => (
        <fieldset key={f.featureId} className="billing-fieldset billing-control-group">
          <legend>{f.name}</legend>
          <UsageLimitRow feature={f} controls={controls} canManage={canManage} />
          {(f.overage ?? f.usageBased) ? <OverageRow feature={f} controls={controls} canManage={canManage} currency={currency} /> : null}
        </fieldset>
      ))}
    </div>
  );
}
