// Preview-and-confirm for one plan or add-on, quoted and charged in one
// currency (the org's locked one, else the visitor's pick). Opening it runs
// previewCheckout (what changes, line items, total, when it takes effect);
// Confirm runs checkout (plans) or purchaseAddOn (add-ons). When Autumn
// needs a payment page the owner is redirected there (`navigate`, injectable;
// default the provider's redirect, i.e. window.location.assign); otherwise
// the dialog confirms in place. Failures show the mapped message. Each
// opening is one purchase intent (usePurchaseIntent): Confirm twice, or again
// after an error, and the server answers the first outcome.
import { useAction } from "convex/react";
import { useCallback, useEffect, useState } from "react";
import { useBillingContext } from "../context";
import type { BillingErrorInfo } from "../errors";
import { formatDate, formatMoney } from "../format";
import { useBillingCurrency } from "../hooks/useBillingCurrency";
import { useBillingErrors } from "../hooks/useBillingErrors";
import { usePurchaseIntent } from "../hooks/usePurchaseIntent";
import type { CheckoutAction, CheckoutPreview, CheckoutResult } from "../types";
import { Dialog } from "./Dialog";

export interface CheckoutDialogProps {
  planId: string;
  open: boolean;
  onClose: () => void;
  /** Buy as an add-on (purchaseAddOn). Default: what the preview says (action "add_on"). */
  addOn?: boolean;
  /** Where the payment page returns to. Default `${successPath}?planId=<planId>`. */
  successUrl?: string;
  /** Sends the browser to the payment page. Default: the provider's redirect (window.location.assign). */
  navigate?: (paymentUrl: string) => void;
  /** Called after a confirmed change (not for redirects). */
  onDone?: (result: CheckoutResult) => void;
  /** Quote and charge in this currency. Default: the billing currency (the org's locked one, else the visitor's pick). */
  currency?: string;
  /** What the plan card announced: "trial" (nothing due today). If Autumn will charge instead, the dialog says so plainly. */
  expected?: "trial" | "charge";
}

type Phase =
  | { kind: "previewing" }
  | { kind: "preview"; preview: CheckoutPreview }
  | { kind: "confirming"; preview: CheckoutPreview }
  | { kind: "redirecting"; preview: CheckoutPreview }
  | { kind: "done"; preview: CheckoutPreview; result: CheckoutResult }
  | { kind: "failed"; preview: CheckoutPreview | null; error: BillingErrorInfo };

const TITLES: Record<CheckoutAction, (name: string) => string> = {
  new: (n) => `Subscribe to ${n}`,
  upgrade: (n) => `Upgrade to ${n}`,
  downgrade: (n) => `Switch to ${n}`,
  trial: (n) => `Start your ${n} trial`,
  add_on: (n) => `Buy ${n}`,
  keep_current: (n) => `Keep ${n}`,
};

export function CheckoutDialog({ planId, open, onClose, addOn, successUrl, navigate, onDone, currency: currencyProp, expected }: CheckoutDialogProps) {
  const { api, successPath, redirect, locale } = useBillingContext();
  const billingCurrency = useBillingCurrency();
  const currency = (currencyProp ?? billingCurrency.currency).toLowerCase();
  const { describe } = useBillingErrors();
  const previewCheckout = useAction(api.previewCheckout);
  const checkout = useAction(api.checkout);
  const uncancel = useAction(api.uncancelSubscription);
  const purchaseAddOn = useAction(api.purchaseAddOn);
  const [phase, setPhase] = useState<Phase>({ kind: "previewing" });
  const [attempt, setAttempt] = useState(0);
  // One intent per opening (and per plan/currency): a double click or a retry repeats it, never buys twice.
  const intentId = usePurchaseIntent(open, planId, currency);

  useEffect(() => {
    if (!open) return;
    let live = true;
    setPhase({ kind: "previewing" });
    previewCheckout({ planId, currency }).then(
      (preview) => { if (live) setPhase({ kind: "preview", preview }); },
      (err: unknown) => { if (live) setPhase({ kind: "failed", preview: null, error: describe(err) }); },
    );
    return () => { live = false; };
    // Not keyed on `describe`: it only names features, and a new name list must not re-run the preview.
  }, [open, planId, currency, previewCheckout, attempt]);

  const confirm = useCallback(async (preview: CheckoutPreview) => {
    setPhase({ kind: "confirming", preview });
    const returnTo = successUrl ?? `${successPath}?planId=${encodeURIComponent(planId)}`;
    const buyAddOn = addOn ?? preview.action === "add_on";
    try {
      if (preview.action === "keep_current") {
        // Keeping the current plan is an uncancel of it (drops a scheduled downgrade too), never a purchase.
        await uncancel({ planId });
        const kept = { status: "uncanceled" as const };
        setPhase({ kind: "done", preview, result: kept });
        onDone?.(kept);
        return;
      }
      const result = await (buyAddOn ? purchaseAddOn : checkout)({ planId, successUrl: returnTo, currency, intentId });
      if (result.status === "redirect") {
        setPhase({ kind: "redirecting", preview });
        (navigate ?? redirect)(result.paymentUrl);
        return;
      }
      setPhase({ kind: "done", preview, result });
      onDone?.(result);
    } catch (err) {
      setPhase({ kind: "failed", preview, error: describe(err) });
    }
  }, [addOn, checkout, currency, describe, intentId, navigate, onDone, planId, purchaseAddOn, redirect, successPath, successUrl, uncancel]);

  const preview = phase.kind === "previewing" ? null : phase.preview;
  const title = preview ? TITLES[preview.action](preview.planName) : "Checkout";
  const busy = phase.kind === "previewing" || phase.kind === "confirming" || phase.kind === "redirecting";

  const footer = (() => {
    if (phase.kind === "done") {
      return <button type="button" className="billing-button billing-button--primary" onClick={onClose}>Done</button>;
    }
    const canConfirm = preview !== null && phase.kind !== "redirecting";
    const retryPreview = phase.kind === "failed" && phase.preview === null;
    return (
      <>
        <button type="button" className="billing-button" onClick={onClose}>Cancel</button>
        {retryPreview ? (
          <button type="button" className="billing-button billing-button--primary" onClick={() => setAttempt((n) => n + 1)}>Try again</button>
        ) : canConfirm ? (
          <button
            type="button"
            className="billing-button billing-button--primary"
            disabled={busy}
            aria-busy={phase.kind === "confirming"}
            onClick={() => { void confirm(preview); }}
          >
            {phase.kind === "confirming" ? "Confirming…" : preview.action === "keep_current" ? `Keep ${preview.planName}` : preview.requiresRedirect ? "Continue to payment" : "Confirm"}
          </button>
        ) : null}
      </>
    );
  })();

  return (
    <Dialog open={open} onClose={onClose} title={title} footer={footer} className="billing-checkout">
      <div aria-busy={busy} className="billing-checkout__content">
        {phase.kind === "previewing" ? <CheckoutSkeleton /> : null}
        {preview && expected === "trial" && preview.action !== "trial" && preview.action !== "keep_current" && preview.total > 0 ? (
          <p role="alert" className="billing-warning" data-testid="no-trial">
            No free trial is available for this organization: {formatMoney(preview.total, preview.currency)} is due today.
          </p>
        ) : null}
        {preview ? <PreviewDetails preview={preview} locale={locale} /> : null}
        {phase.kind === "redirecting" ? <p role="status">Taking you to the payment page…</p> : null}
        {phase.kind === "done" ? <p role="status" className="billing-success-text">{doneMessage(phase.preview, phase.result, locale)}</p> : null}
        {phase.kind === "failed" ? (
          <p role="alert" className="billing-error-text" data-code={phase.error.code}>{phase.error.message}</p>
        ) : null}
      </div>
    </Dialog>
  );
}

function PreviewDetails({ preview, locale }: { preview: CheckoutPreview; locale: string | undefined }) {
  const money = (amount: number) => formatMoney(amount, preview.currency);
  if (preview.action === "keep_current") return <p>{preview.planName} continues as it is: the pending cancellation or plan change is dropped. Nothing is charged.</p>;
  return (
    <>
      <table className="billing-checkout__lines">
        <caption className="billing-sr-only">What you'll pay</caption>
        <tbody>
          {preview.lines.map((line, i) => (
            <tr key={i}>
              <th scope="row">{line.description}</th>
              <td>{money(line.amount)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr className="billing-checkout__total">
            <th scope="row">{preview.effectiveAt !== null ? "Due now" : "Total due today"}</th>
            <td>{money(preview.total)}</td>
          </tr>
        </tfoot>
      </table>
      {preview.effectiveAt !== null ? <p>Takes effect on {formatDate(preview.effectiveAt, locale)}.</p> : null}
      {preview.nextCycle ? (
        <p>Then {money(preview.nextCycle.total)} from {formatDate(preview.nextCycle.startsAt, locale)}.</p>
      ) : null}
      {preview.requiresRedirect ? <p className="billing-muted">You'll enter your payment details on a secure payment page.</p> : null}
    </>
  );
}

function doneMessage(preview: CheckoutPreview, result: CheckoutResult, locale: string | undefined): string {
  if (result.status === "scheduled") {
    return preview.effectiveAt !== null
      ? `${preview.planName} starts on ${formatDate(preview.effectiveAt, locale)}.`
      : `${preview.planName} is scheduled.`;
  }
  if (result.status === "uncanceled") return "Your plan will continue.";
  if (preview.action === "add_on") return `${preview.planName} purchased.`;
  if (preview.action === "trial") return `Your ${preview.planName} trial has started.`;
  return `You're now on ${preview.planName}.`;
}

function CheckoutSkeleton() {
  return (
    <div className="billing-checkout__skeleton" aria-hidden="true">
      <span className="billing-skeleton billing-skeleton--line" />
      <span className="billing-skeleton billing-skeleton--line" />
      <span className="billing-skeleton billing-skeleton--line billing-skeleton--short" />
    </div>
  );
}
