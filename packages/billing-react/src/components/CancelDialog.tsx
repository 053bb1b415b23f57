// Confirm a cancellation: at the end of the billing period (default; the
// plan keeps working until then and can be uncanceled) or immediately.
import { useAction } from "convex/react";
import { useState } from "react";
import { useBillingContext } from "../context";
import { formatDate } from "../format";
import { useBillingTask } from "../hooks/useBillingTask";
import { usePurchaseIntent } from "../hooks/usePurchaseIntent";
import type { CancelAction, CurrentPlan } from "../types";
import { Dialog } from "./Dialog";

export interface CancelDialogProps {
  plan: CurrentPlan;
  open: boolean;
  onClose: () => void;
  onCanceled?: (action: CancelAction) => void;
}

export function CancelDialog({ plan, open, onClose, onCanceled }: CancelDialogProps) {
  const { api, locale, toast } = useBillingContext();
  const cancel = useAction(api.cancelSubscription);
  const task = useBillingTask();
  const [when, setWhen] = useState<CancelAction>("end_of_cycle");
  const periodEnd = plan.currentPeriodEnd ?? plan.expiresAt;
  // One intent per opening and choice: a double click or a retry is the same cancel.
  const intentId = usePurchaseIntent(open, plan.planId, when);

  const confirm = async () => {
    const done = await task.run(async () => { await cancel({ planId: plan.planId, cancelAction: when, intentId }); return true; });
    if (!done) return;
    toast({
      tone: "success",
      message: when === "immediately" ? `${plan.name} was canceled.` : `${plan.name} will end${periodEnd ? ` on ${formatDate(periodEnd, locale)}` : " at the end of the period"}.`,
    });
    onCanceled?.(when);
    onClose();
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Cancel ${plan.name}?`}
      footer={
        <>
          <button type="button" className="billing-button" onClick={onClose}>Keep plan</button>
          <button type="button" className="billing-button billing-button--danger" disabled={task.pending} onClick={() => { void confirm(); }}>
            {task.pending ? "Canceling…" : "Cancel plan"}
          </button>
        </>
      }
    >
      <fieldset className="billing-fieldset">
        <legend>When should it end?</legend>
        <label className="billing-radio">
          <input type="radio" name="billing-cancel-when" value="end_of_cycle" checked={when === "end_of_cycle"} onChange={() => setWhen("end_of_cycle")} />
          At the end of the billing period{periodEnd ? ` (${formatDate(periodEnd, locale)})` : ""}
        </label>
        <label className="billing-radio">
          <input type="radio" name="billing-cancel-when" value="immediately" checked={when === "immediately"} onChange={() => setWhen("immediately")} />
          Immediately
        </label>
      </fieldset>
      {task.error ? <p role="alert" className="billing-error-text">{task.error.message}</p> : null}
    </Dialog>
  );
}
