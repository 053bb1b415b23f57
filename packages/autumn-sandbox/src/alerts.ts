// Track webhooks (autumn-controls.md §1.8, §1.10; checkLimitReached.ts,
// checkUsageAlerts.ts): `balances.limit_reached` fires on the transition
// allowed → blocked (probe 1e-7) of each balance a track touched, with the
// blocking limit_type; `balances.usage_alert_triggered` fires when usage or
// remaining crosses an alert threshold (customer alerts, else plan alerts;
// entity alerts additionally). Nothing is remembered between firings.

import type { Ctx } from "./context.js";
import { customerAlertsFor } from "./controls.js";
import { decideOn, limitsOn, type Decision } from "./enforcement.js";
import { grantsInOrder } from "./grants.js";
import { renderBalance } from "./balances.js";
import type { Taken } from "./ledger.js";
import type { CustomerRecord, EntityRecord } from "./state.js";

type Entry = Record<string, unknown>;
interface Snap { granted: number; usage: number; remaining: number; unlimited: boolean; decision: Decision }

export type Snapshot = Map<string, Snap>;

const PROBE = 0.0000001;

function snapOne(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, properties: Record<string, unknown> | undefined, now: number): Snap | null {
  const b = renderBalance(ctx.state, c, featureId, now);
  if (!b) return null;
  return {
    granted: b.granted as number, usage: b.usage as number, remaining: b.remaining as number, unlimited: Boolean(b.unlimited),
    decision: decideOn(ctx, c, entity, featureId, featureId, PROBE, properties, now),
  };
}

/** Balances a track of `featureId` can touch, taken before it runs. */
export function snapshot(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, properties: Record<string, unknown> | undefined, now: number): Snapshot {
  const ids = new Set([featureId, ...grantsInOrder(ctx.state, c, featureId, now).map((g) => g.feature_id)]);
  const out: Snapshot = new Map();
  for (const id of ids) {
    if (ctx.state.features[id]?.type === "boolean") continue;
    const s = snapOne(ctx, c, entity, id, properties, now);
    if (s) out.set(id, s);
  }
  return out;
}

export function crossed(alert: Entry, before: Snap, after: Snap): boolean {
  if (before.unlimited || after.unlimited) return false;
  const t = alert.threshold as number;
  switch (alert.threshold_type) {
    case "usage": return before.usage < t && after.usage >= t;
    case "remaining": return after.remaining <= t && before.remaining > t;
    case "usage_percentage":
      if (before.granted <= 0 || after.granted <= 0) return false;
      return (before.usage / before.granted) * 100 < t && (after.usage / after.granted) * 100 >= t;
    case "remaining_percentage":
      if (before.granted <= 0 || after.granted <= 0) return false;
      return (after.remaining / after.granted) * 100 <= t && (before.remaining / before.granted) * 100 > t;
    default: return false;
  }
}

function alertPayload(a: Entry): Record<string, unknown> {
  return { ...(a.name !== undefined ? { name: a.name } : {}), threshold: a.threshold, threshold_type: a.threshold_type };
}

/** Fire limit_reached / usage alerts for the balances the track changed (or the tracked one). */
export function fireTrackWebhooks(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, before: Snapshot, taken: Taken[], properties: Record<string, unknown> | undefined, now: number): void {
  const touched = [...new Set(taken.filter((t) => t.amount !== 0).map((t) => c.grants.find((g) => g.id === t.grant_id)?.feature_id).filter((x): x is string => !!x))];
  const affected = touched.length > 0 ? touched : [featureId];
  for (const f of affected) {
    const old = before.get(f);
    const now2 = snapOne(ctx, c, entity, f, properties, now);
    if (!old || !now2) continue;
    if (old.decision.allowed && !now2.decision.allowed) {
      // A filtered usage limit that blocks also names its filter (checkLimitReached.ts).
      const blockedFilter = now2.decision.limitType === "usage_limit" && properties
        ? limitsOn(ctx, c, entity, f, properties, now).find((l) => l.entry.filter && l.headroom <= 0)?.entry.filter
        : undefined;
      ctx.emit({ type: "balances.limit_reached", data: {
        customer_id: c.id, feature_id: f, limit_type: now2.decision.limitType ?? "included", ...(entity ? { entity_id: entity.id } : {}),
        ...(blockedFilter ? { filter: blockedFilter } : {}),
      } });
    }
    const emitAlert = (a: Entry, entityId?: string): void => {
      if (a.enabled === false || !crossed(a, old, now2)) return;
      ctx.emit({ type: "balances.usage_alert_triggered", data: {
        customer_id: c.id, feature_id: f, ...(entityId ? { entity_id: entityId } : {}), usage_alert: alertPayload(a),
      } });
    };
    for (const a of customerAlertsFor(ctx, c, f, now)) emitAlert(a);
    if (entity) {
      for (const a of entity.billing_controls?.usage_alerts ?? []) {
        if (a.feature_id === f || a.feature_id === undefined) emitAlert(a, entity.id);
      }
    }
  }
}
