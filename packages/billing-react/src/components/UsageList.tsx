// A usage bar for every metered feature and credit system the org has
// (boolean features are listed as included, not metered).
import type { Balance } from "../types";
import { UsageBar, UsageBarSkeleton } from "./UsageBar";

export interface UsageListProps {
  balances: Balance[];
}

export function meteredBalances(balances: readonly Balance[]): Balance[] {
  return balances.filter((b) => b.type !== "boolean");
}

export function UsageList({ balances }: UsageListProps) {
  const metered = meteredBalances(balances);
  if (metered.length === 0) return <p className="billing-muted">Nothing metered on this plan.</p>;
  return (
    <div className="billing-usage-list">
      {metered.map((b) => (
        <UsageBar
          key={b.featureId}
          label={b.name}
          usage={b.usage}
          granted={b.granted}
          unlimited={b.unlimited}
          nextResetAt={b.nextResetAt}
          display={b.display}
          overageAllowed={b.overageAllowed}
        />
      ))}
    </div>
  );
}

export function UsageListSkeleton({ rows = 3 }: { rows?: number }) {
  return (
    <div className="billing-usage-list" aria-hidden="true">
      {Array.from({ length: rows }, (_, i) => <UsageBarSkeleton key={i} />)}
    </div>
  );
}
