// Leases, the Autumn side: opening one (a locked check for a block of units)
// and settling one (confirm what its operations spent, with override_value;
// release when they spent nothing). See lease.ts for spending.
import type { ActionCtx } from "../../_generated/server";
import type { StepResult } from "./settle";
import type { Row } from "./store";

export async function settleLease(_ctx: ActionCtx, _row: Row): Promise<StepResult> {
  return "skipped";
}

/** Should this operation try a lease (a feature with headroom)? */
export async function wantsLease(_ctx: ActionCtx, _organizationId: string, _featureId: string, _units: number): Promise<boolean> {
  return false;
}

/** After a plain reserve of a feature with headroom: open a lease for the next operations. */
export async function openLeaseAfter(_ctx: ActionCtx, _organizationId: string, _featureId: string, _balances: unknown): Promise<void> {}
