// The org's invoices, newest first: date, plans, status, total (in the
// invoice's currency) and a link to the hosted invoice (http(s) links only).
import { useBillingContext } from "../context";
import { formatDate, formatMoney } from "../format";
import type { Invoice } from "../types";

export interface InvoiceListProps {
  invoices: Invoice[];
  /** planId → display name, for the "Plan" column (default: the ids). */
  planNames?: Readonly<Record<string, string>>;
}

/** The invoice's hosted link if it is http(s), else null (never a javascript: URL). */
export function safeHref(url: string | null): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.toString() : null;
  } catch {
    return null;
  }
}

export function InvoiceList({ invoices, planNames = {} }: InvoiceListProps) {
  const { locale } = useBillingContext();
  if (invoices.length === 0) return <p className="billing-muted">No invoices yet.</p>;
  const sorted = [...invoices].sort((a, b) => b.createdAt - a.createdAt);
  return (
    <div className="billing-table-wrap">
      <table className="billing-table">
        <thead>
          <tr><th scope="col">Date</th><th scope="col">Plan</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col"><span className="billing-sr-only">Invoice</span></th></tr>
        </thead>
        <tbody>
          {sorted.map((inv) => {
            const href = safeHref(inv.hostedInvoiceUrl);
            return (
              <tr key={inv.stripeId}>
                <td>{formatDate(inv.createdAt, locale)}</td>
                <td>{inv.planIds.map((id) => planNames[id] ?? id).join(", ")}</td>
                <td><span className="billing-badge billing-badge--muted" data-status={inv.status}>{inv.status}</span></td>
                <td>{formatMoney(inv.total, inv.currency)}</td>
                <td>{href ? <a href={href} target="_blank" rel="noopener noreferrer">View</a> : null}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
