// The notification bell (issue 14): unread count for the org, a list of the
// newest notifications (usage alerts, limits reached, auto top-ups) and
// "Mark all read". Reactive: a webhook or the cache seeing a crossing makes
// it ring without a reload.
import { useMutation } from "convex/react";
import { useEffect, useId, useRef, useState } from "react";
import { useBillingContext } from "../context";
import { formatDateTime } from "../format";
import { useBillingQuery } from "../hooks/useBillingQuery";
import type { BillingNotification } from "../spendApi";
import { useSpendApi } from "../spend/useSpendApi";

export function NotificationList({ items, onMarkAll }: { items: BillingNotification[]; onMarkAll?: () => void }) {
  const { locale } = useBillingContext();
  if (items.length === 0) return <p className="billing-muted">No notifications.</p>;
  return (
    <>
      <ul className="billing-notifications" aria-label="Notifications">
        {items.map((n) => (
          <li key={n._id} data-kind={n.kind} data-read={n.read || undefined} className="billing-notification">
            <p className="billing-notification__title">{n.read ? null : <span className="billing-sr-only">Unread: </span>}{n.title}</p>
            <p className="billing-notification__body">{n.body}</p>
            <p className="billing-muted billing-notification__time">{formatDateTime(n.createdAt, locale)}</p>
          </li>
        ))}
      </ul>
      {onMarkAll ? <button type="button" className="billing-button billing-button--small" onClick={onMarkAll}>Mark all read</button> : null}
    </>
  );
}

export function AlertsBell() {
  const api = useSpendApi();
  const unread = useBillingQuery(api.unreadCount, {});
  const [open, setOpen] = useState(false);
  const list = useBillingQuery(api.listNotifications, open ? { limit: 20 } : "skip");
  const markRead = useMutation(api.markRead);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => { if (e.key === "Escape") setOpen(false); };
    const onClick = (e: MouseEvent) => { if (root.current && !root.current.contains(e.target as Node)) setOpen(false); };
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousedown", onClick);
    return () => { document.removeEventListener("keydown", onKey); document.removeEventListener("mousedown", onClick); };
  }, [open]);
  const count = unread.data?.count ?? 0;
  const label = count > 0 ? `Notifications, ${unread.data?.capped ? "99+" : count} unread` : "Notifications";
  return (
    <div className="billing-bell" ref={root}>
      <button type="button" className="billing-bell__button" aria-expanded={open} aria-controls={panelId} aria-label={label} data-testid="alerts-bell"
        onClick={() => setOpen((o) => !o)}>
        <svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" /><path d="M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {count > 0 ? <span className="billing-bell__count" aria-hidden="true">{unread.data?.capped ? "99+" : count}</span> : null}
      </button>
      {open ? (
        <div id={panelId} className="billing-bell__panel" role="region" aria-label="Notifications">
          {list.status === "success"
            ? <NotificationList items={list.data} {...(count > 0 ? { onMarkAll: () => void markRead({}) } : {})} />
            : <p className="billing-muted">Loading…</p>}
        </div>
      ) : null}
    </div>
  );
}
