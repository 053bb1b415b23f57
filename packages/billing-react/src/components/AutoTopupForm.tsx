// Auto top-up (issue 14): "when AI credits fall to X or below, buy pack Y,
// at most Z times a month". Autumn charges the card on file for the pack the
// org bought before; success and failure land in the bell (a failure is also
// emailed to owners).
import { useAction } from "convex/react";
import { useState, type FormEvent } from "react";
import { useBillingContext } from "../context";
import { useBillingQuery } from "../hooks/useBillingQuery";
import { useBillingTask } from "../hooks/useBillingTask";
import { parseAmount, useSpendApi } from "../spend/useSpendApi";

export interface AutoTopupFormProps {
  /** The credit feature topped up (default ai_credits). */
  featureId?: string;
}

export function AutoTopupForm({ featureId = "ai_credits" }: AutoTopupFormProps) {
  const { api: core } = useBillingContext();
  const api = useSpendApi();
  const view = useBillingQuery(api.getSpendControls, {});
  const plans = useBillingQuery(core.listPlans, {});
  const setAutoTopup = useAction(api.setAutoTopup);
  const task = useBillingTask();
  const existing = view.data?.controls.autoTopups.find((t) => t.featureId === featureId);
  const [threshold, setThreshold] = useState<string | null>(null);
  const [max, setMax] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (view.status !== "success" || plans.status !== "success") return null;
  const feature = view.data.features.find((f) => f.featureId === featureId);
  const packs = plans.data.filter((p) => p.price?.interval === "one_off" && p.items.some((i) => i.featureId === featureId && i.included > 0));
  // Autumn repeats a pack the org holds: nothing to offer before it has the credits at all.
  if (!feature || feature.included === false || packs.length === 0) return null;
  const pack = packs[0]!;
  const units = pack.items.find((i) => i.featureId === featureId)?.included ?? 0;
  const canManage = view.data.canManage;
  const thresholdText = threshold ?? String(existing?.threshold ?? 100);
  const maxText = max ?? String(existing?.purchaseLimit?.limit ?? 2);
  const save = async (e: FormEvent, enabled: boolean) => {
    e.preventDefault();
    const t = parseAmount(thresholdText, { integer: true });
    const m = parseAmount(maxText, { integer: true, min: 1, max: 50 });
    if ("error" in t) return setError(`Threshold: ${t.error}`);
    if ("error" in m) return setError(`Top-ups per month: ${m.error}`);
    setError(null);
    await task.run(() => setAutoTopup({ featureId, enabled, threshold: t.value, packPlanId: pack.planId, maxPerMonth: m.value }));
  };
  const status = existing?.enabled
    ? `On: below ${existing.threshold.toLocaleString()} ${feature.name}, buy ${pack.name} (${units.toLocaleString()}), at most ${existing.purchaseLimit?.limit ?? "∞"} a month`
    : "Off";
  return (
    <div className="billing-topup" id="auto-topup">
      <p><strong>Auto top-up</strong> <span className="billing-muted" data-testid="auto-topup-status">{status}</span></p>
      {canManage ? (
        <form className="billing-control__form" onSubmit={(e) => void save(e, true)} noValidate>
          <label htmlFor="topup-threshold">When {feature.name} fall to</label>
          <input id="topup-threshold" className="billing-input" inputMode="numeric" value={thresholdText} onChange={(e) => setThreshold(e.target.value)} />
          <span className="billing-muted">buy {pack.name} ({units.toLocaleString()})</span>
          <label htmlFor="topup-max">at most, per month</label>
          <input id="topup-max" className="billing-input" inputMode="numeric" value={maxText} onChange={(e) => setMax(e.target.value)} />
          <button type="submit" className="billing-button billing-button--small" disabled={task.pending}>{existing?.enabled ? "Save auto top-up" : "Turn on auto top-up"}</button>
          {existing?.enabled ? (
            <button type="button" className="billing-button billing-button--small" disabled={task.pending} onClick={(e) => void save(e, false)}>Turn off</button>
          ) : null}
          {error ?? task.error ? <p className="billing-error-text" role="alert">{error ?? task.error?.message}</p> : null}
          <p className="billing-muted billing-control__hint">Charges the card on file. Buy {pack.name} once first so there is a pack to repeat.</p>
        </form>
      ) : null}
    </div>
  );
}
