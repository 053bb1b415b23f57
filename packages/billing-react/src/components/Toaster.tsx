// The built-in toast stack (used when the app passes no onToast): a polite
// live region; error toasts are alerts. Each toast may carry one action
// button (e.g. "Upgrade") and can be dismissed.
import type { BillingToast } from "../context";

export interface ToasterProps {
  toasts: BillingToast[];
  onDismiss: (id: number) => void;
}

export function Toaster({ toasts, onDismiss }: ToasterProps) {
  return (
    <div className="billing-toaster" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className="billing-toast" data-tone={t.tone} role={t.tone === "error" ? "alert" : "status"}>
          <span className="billing-toast__message">{t.message}</span>
          {t.action ? (
            <button type="button" className="billing-button billing-button--small" onClick={() => { t.action?.onAction(); onDismiss(t.id); }}>
              {t.action.label}
            </button>
          ) : null}
          <button type="button" className="billing-icon-button" aria-label="Dismiss" onClick={() => onDismiss(t.id)}>×</button>
        </div>
      ))}
    </div>
  );
}
