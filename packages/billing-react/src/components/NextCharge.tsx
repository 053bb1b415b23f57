// Next charge (issue 14): when and how much — the plan price plus
// usage-based overage projected to the period end from the usage ledger.
import { useBillingContext } from "../context";
import { formatDate, formatMoney } from "../format";
import { useBillingQuery } from "../hooks/useBillingQuery";
import { useSpendApi } from "../spend/useSpendApi";

export function NextCharge() {
  const { locale } = useBillingContext();
  const api = useSpendApi();
  const next = useBillingQuery(api.getNextCharge, {});
  if (next.status === "loading") return <p className="billing-muted" aria-busy="true">Loading…</p>;
  if (next.status === "error") return <p className="billing-muted">The next charge isn't available right now.</p>;
  const n = next.data;
  if (!n) return <p className="billing-muted" data-testid="next-charge">No upcoming charge.</p>;
  return (
    <div className="billing-next-charge" data-testid="next-charge">
      <p>
        <strong>{formatMoney(n.total, n.currency)}</strong> on {formatDate(n.at, locale)}
        {n.projectedOverage > 0 ? <span className="billing-muted"> (projected)</span> : null}
      </p>
      <ul className="billing-charge-lines">
        {n.lines.map((l) => (
          <li key={`${l.description}:${l.featureId ?? ""}`}><span>{l.description}</span><span>{formatMoney(l.amount, n.currency)}</span></li>
        ))}
      </ul>
      {n.overageSoFar > 0 ? <p className="billing-muted">Overage so far this period: {formatMoney(n.overageSoFar, n.currency)}</p> : null}
    </div>
  );
}
