// One metered feature's usage: a progressbar (aria-valuenow/min/max, named
// by the feature) that turns amber at ≥75% and red at ≥90%, what is left,
// any overage, and when it resets. Unlimited features say "Unlimited" and
// show what was used, with no bar to fill.
import { useId } from "react";
import { useBillingContext } from "../context";
import { formatDate, formatNumber } from "../format";
import { unitLabel } from "../planActions";
import type { FeatureDisplay } from "../types";

export type UsageLevel = "ok" | "warning" | "critical";

export interface UsageBarProps {
  /** The feature's name (rendered as text). */
  label: string;
  usage: number;
  granted: number;
  unlimited?: boolean;
  /** Next reset (epoch ms); null/undefined for features that never reset (e.g. seats). */
  nextResetAt?: number | null;
  /** Unit names, e.g. {singular: "message", plural: "messages"}. */
  display?: FeatureDisplay | null;
  /** Usage past the grant is billed (shown as overage rather than "used up"). */
  overageAllowed?: boolean;
}

export function usagePercent(usage: number, granted: number): number {
  if (granted <= 0) return usage > 0 ? 100 : 0;
  return (usage / granted) * 100;
}

export function usageLevel(percent: number): UsageLevel {
  if (percent >= 90) return "critical";
  if (percent >= 75) return "warning";
  return "ok";
}

export function UsageBar({ label, usage, granted, unlimited = false, nextResetAt, display, overageAllowed = false }: UsageBarProps) {
  const { locale } = useBillingContext();
  const labelId = useId();
  const num = (n: number) => formatNumber(n, locale);
  const unit = display ? unitLabel(display, granted, label) : "";
  const reset = nextResetAt ? <span>Resets on {formatDate(nextResetAt, locale)}</span> : null;

  if (unlimited) {
    return (
      <div className="billing-usage" data-level="ok" data-unlimited="true">
        <div className="billing-usage__header">
          <span id={labelId} className="billing-usage__label">{label}</span>
          <span className="billing-usage__value">Unlimited</span>
        </div>
        <div className="billing-usage__track billing-usage__track--unlimited" aria-hidden="true" />
        <div className="billing-usage__meta">
          <span>{num(usage)} used</span>
          {reset}
        </div>
      </div>
    );
  }

  const percent = usagePercent(usage, granted);
  const level = usageLevel(percent);
  const shown = Math.min(100, Math.max(0, percent));
  const left = Math.max(0, granted - usage);
  const over = Math.max(0, usage - granted);
  return (
    <div className="billing-usage" data-level={level}>
      <div className="billing-usage__header">
        <span id={labelId} className="billing-usage__label">{label}</span>
        <span className="billing-usage__value">{num(usage)} / {num(granted)}{unit ? ` ${unit}` : ""}</span>
      </div>
      <div
        className="billing-usage__track"
        role="progressbar"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={granted}
        aria-valuenow={Math.min(Math.max(usage, 0), granted)}
        aria-valuetext={`${num(usage)} of ${num(granted)} used (${Math.round(percent)}%)`}
      >
        <div className="billing-usage__fill" style={{ width: `${shown}%` }} />
      </div>
      <div className="billing-usage__meta">
        <span>{over > 0 ? (overageAllowed ? `${num(over)} over, billed as overage` : `${num(over)} over the limit`) : `${num(left)} left`}</span>
        {reset}
      </div>
    </div>
  );
}

/** Same size as a UsageBar, for loading states (no layout shift). */
export function UsageBarSkeleton() {
  return (
    <div className="billing-usage billing-usage--skeleton" aria-hidden="true">
      <div className="billing-usage__header"><span className="billing-skeleton billing-skeleton--text" /></div>
      <div className="billing-usage__track" />
      <div className="billing-usage__meta"><span className="billing-skeleton billing-skeleton--text billing-skeleton--short" /></div>
    </div>
  );
}
