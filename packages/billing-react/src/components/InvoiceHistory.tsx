// The full invoice history (issue 14): Autumn's invoices.list, 10 at a time
// with "Show more", newest first — number, date, status, amount and the
// hosted invoice. A stacked list (not a table), so it never scrolls sideways
// on a phone.
import { useAction } from "convex/react";
import { useCallback, useEffect, useState } from "react";
import { useBillingContext } from "../context";
import { formatDate, formatMoney } from "../format";
import { safeHref } from "./InvoiceList";
import type { InvoiceRow } from "../spendApi";
import { useSpendApi } from "../spend/useSpendApi";

export interface InvoiceHistoryProps {
  planNames?: Readonly<Record<string, string>>;
  pageSize?: number;
  /**
   * Changes whenever the cached billing state learns of a new or changed
   * invoice (e.g. a renewal that failed): the list is an action, not a live
   * query, so it re-reads its first page then.
   */
  refreshKey?: string;
}

export function InvoiceHistory({ planNames = {}, pageSize = 10, refreshKey = "" }: InvoiceHistoryProps) {
  const { locale } = useBillingContext();
  const api = useSpendApi();
  const listInvoices = useAction(api.listInvoices);
  const [rows, setRows] = useState<InvoiceRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [status, setStatus] = useState<"loading" | "idle" | "error" | "done">("loading");
  const load = useCallback(async (from: string | null) => {
    setStatus("loading");
    try {
      const page = await listInvoices({ cursor: from, limit: pageSize });
      setRows((r) => (from === null ? page.invoices : [...r, ...page.invoices]));
      setCursor(page.nextCursor);
      setStatus(page.nextCursor ? "idle" : "done");
    } catch {
      setStatus("error");
    }
  }, [listInvoices, pageSize]);
  useEffect(() => { void load(null); }, [load, refreshKey]);
  if (status === "error" && rows.length === 0) return <p className="billing-muted">Invoices aren't available right now.</p>;
  if (status === "done" && rows.length === 0) return <p className="billing-muted">No invoices yet.</p>;
  return (
    <div className="billing-invoices" aria-busy={status === "loading" || undefined}>
      <ul className="billing-invoice-list" aria-label="Invoices">
        {rows.map((inv) => {
          const href = safeHref(inv.hostedInvoiceUrl);
          return (
            <li key={inv.invoiceId} className="billing-invoice" data-status={inv.status}>
              <span className="billing-invoice__main">
                <strong>{formatMoney(inv.total, inv.currency)}</strong>
                <span className="billing-badge billing-badge--muted" data-status={inv.status}>{inv.status}</span>
              </span>
              <span className="billing-invoice__meta billing-muted">
                {formatDate(inv.createdAt, locale)} · {inv.planIds.map((id) => planNames[id] ?? id).join(", ")} · <span className="billing-invoice__number">{inv.number}</span>
              </span>
              {href ? <a href={href} target="_blank" rel="noopener noreferrer">View invoice<span className="billing-sr-only"> {inv.number}</span></a> : null}
            </li>
          );
        })}
      </ul>
      {status === "idle" && cursor ? <button type="button" className="billing-button billing-button--small" onClick={() => void load(cursor)}>Show more</button> : null}
      {status === "loading" ? <p className="billing-muted">Loading invoices…</p> : null}
      {status === "error" ? <p className="billing-error-text">More invoices couldn't be loaded.</p> : null}
    </div>
  );
}
