// The org's plan changes, newest first (activated, scheduled, canceled,
// trial started, past due, …): on the billing tab (getSubscriptionHistory)
// and the admin org page (adminGetOrgBilling's history).
import { useBillingContext } from "../context";
import { formatDateTime } from "../format";
import type { HistoryChange, HistoryEntry } from "../types";

export interface SubscriptionHistoryProps {
  entries: HistoryEntry[];
}

export const HISTORY_CHANGE_LABELS: Readonly<Record<HistoryChange, string>> = {
  activated: "Activated",
  scheduled: "Scheduled",
  canceled: "Canceled",
  uncanceled: "Uncanceled",
  expired: "Expired",
  trial_started: "Trial started",
  trial_converted: "Trial converted",
  past_due: "Past due",
};

export function SubscriptionHistory({ entries }: SubscriptionHistoryProps) {
  const { locale } = useBillingContext();
  if (entries.length === 0) return <p className="billing-muted">No changes recorded.</p>;
  const sorted = [...entries].sort((a, b) => b.at - a.at);
  return (
    <div className="billing-table-wrap">
      <table className="billing-table">
        <thead><tr><th scope="col">When</th><th scope="col">Plan</th><th scope="col">Change</th></tr></thead>
        <tbody>
          {sorted.map((h, i) => (
            <tr key={`${h.at}-${h.planId}-${h.change}-${i}`}>
              <td>{formatDateTime(h.at, locale)}</td>
              <td>{h.planName}</td>
              <td>{HISTORY_CHANGE_LABELS[h.change] ?? h.change}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
