// /dev/outbox: the emails the billing module sent or kept (convex/billing/
// email.ts). Offline (no RESEND_API_KEY) nothing leaves the machine: every
// alert email to owners is stored here instead, so the dev stack shows what
// production would send. Owners see their organization's mail; global
// admins see everyone's.
import { formatDateTime, useBillingQuery } from "@billing/react";
import { createFileRoute } from "@tanstack/react-router";
import { api } from "../../../lib/api";

export const Route = createFileRoute("/_app/dev/outbox")({ component: OutboxPage });

function OutboxPage() {
  const outbox = useBillingQuery(api.billing.outbox.listOutbox, { limit: 50 });
  return (
    <div className="page">
      <h1>Email outbox</h1>
      {outbox.status === "loading" ? <p className="muted">Loading…</p> : null}
      {outbox.status === "error" ? <p className="muted" role="alert">The outbox isn't available.</p> : null}
      {outbox.status === "success" ? (
        <>
          <p className="muted" data-testid="outbox-provider">
            {outbox.data.provider === "local"
              ? "No email provider is configured (RESEND_API_KEY), so emails are kept here and not sent."
              : "Emails are sent through Resend; this is the delivery log."}
            {outbox.data.scope === "none" ? " Only owners see their organization's emails." : null}
          </p>
          {outbox.data.emails.length === 0 ? <p className="muted">No emails yet.</p> : (
            <ul className="outbox" aria-label="Emails">
              {outbox.data.emails.map((m) => (
                <li key={m._id} className="outbox__mail card" data-status={m.status}>
                  <p><strong>{m.subject}</strong></p>
                  <p className="muted small">To {m.to} · {formatDateTime(m.createdAt)} · {m.status}{m.error ? ` (${m.error})` : ""}</p>
                  <pre className="outbox__text">{m.text}</pre>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : null}
    </div>
  );
}
