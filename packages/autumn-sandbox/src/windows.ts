// Usage-limit windows (autumn-controls.md §1.7, §12.3–§12.5): one mutable
// counter per (scope, feature, filter), like Autumn's usage_windows rows. A
// counter is only valid for the window it was stamped with; when the current
// bounds (billing-cycle anchored or UTC calendar) move on, it reads as 0 and
// restarts on the next write. Editing or deleting a limit never touches it.

import type { Ctx } from "./context.js";
import { addIntervals, type Interval } from "./time.js";
import type { CustomerRecord, EntityRecord, Grant, UsageWindowRow } from "./state.js";

type Entry = Record<string, unknown>;

function filterKeyOf(filter: unknown): string {
  const props = (filter as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!props) return "";
  return Object.entries(props).map(([k, v]) => [k, String(v)] as const)
    .sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join("&");
}

export const scopeKey = (entity: EntityRecord | null): string => (entity ? `entity:${entity.id}` : "customer");

/** UTC calendar bounds of the interval containing `now` (weeks start Monday). */
function calendarBounds(interval: string, now: number): { start: number; end: number } {
  const d = new Date(now);
  let start: number;
  if (interval === "day") start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  else if (interval === "week") {
    const dow = (d.getUTCDay() + 6) % 7;
    start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - dow);
  } else if (interval === "month") start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  else start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return { start, end: addIntervals(start, interval as Interval, 1) };
}

/** Bounds of the anchor-aligned cycle of `interval` containing `now` (getCycleStart). */
function cycleBounds(anchor: number, interval: string, now: number): { start: number; end: number } {
  const iv = interval as Interval;
  const approx = interval === "day" ? 86_400_000 : interval === "week" ? 7 * 86_400_000 : interval === "month" ? 30.44 * 86_400_000 : 365.25 * 86_400_000;
  let k = Math.floor((now - anchor) / approx);
  while (addIntervals(anchor, iv, k + 1) <= now) k += 1;
  while (addIntervals(anchor, iv, k) > now) k -= 1;
  return { start: addIntervals(anchor, iv, k), end: addIntervals(anchor, iv, k + 1) };
}

/** The entitlement a billing_cycle window aligns to: the feature's own customer-level grant, else a credit system's. */
function anchorGrant(ctx: Ctx, c: CustomerRecord, featureId: string, now: number): Grant | undefined {
  const live = (g: Grant): boolean => {
    if (g.expires_at !== null && g.expires_at <= now) return false;
    if (g.customer_product_id === null) return true;
    return c.products.find((p) => p.id === g.customer_product_id)?.status === "active";
  };
  const pick = (ids: string[]): Grant | undefined => c.grants.filter((g) => ids.includes(g.feature_id) && live(g))
    .sort((a, b) => Number(a.customer_product_id === null) - Number(b.customer_product_id === null)
      || Number(a.add_on) - Number(b.add_on) || a.created_at - b.created_at || a.id.localeCompare(b.id))[0];
  const f = ctx.state.features[featureId];
  const own = pick([featureId]);
  if (own || f?.type === "credit_system") return own;
  const credits = Object.values(ctx.state.features)
    .filter((x) => x.type === "credit_system" && x.credit_schema?.some((s) => s.metered_feature_id === featureId)).map((x) => x.id);
  return pick(credits);
}

export function limitBounds(ctx: Ctx, c: CustomerRecord, limit: Entry, now: number): { start: number; end: number } {
  const interval = limit.interval as string;
  if ((limit.anchor ?? "billing_cycle") === "utc") return calendarBounds(interval, now);
  const g = anchorGrant(ctx, c, limit.feature_id as string, now);
  const cp = g?.customer_product_id ? c.products.find((p) => p.id === g.customer_product_id) : undefined;
  const anchor = g?.next_reset_at ?? cp?.current_period_end ?? null;
  if (anchor !== null) {
    const b = cycleBounds(anchor, interval, now);
    if (b.start <= now && now < b.end) return b;
  }
  return calendarBounds(interval, now);
}

function rowFor(c: CustomerRecord, scope: string, limit: Entry): UsageWindowRow | undefined {
  const fk = filterKeyOf(limit.filter);
  return (c.usage_windows ?? []).find((r) => r.scope === scope && r.feature_id === limit.feature_id && r.filter_key === fk);
}

/** Usage consumed in the limit's current window at `scope` (0 once the stored window closed or moved). */
export function windowUsage(ctx: Ctx, c: CustomerRecord, scope: string, limit: Entry, now: number): number {
  const row = rowFor(c, scope, limit);
  if (!row) return 0;
  const b = limitBounds(ctx, c, limit, now);
  if (row.window_end_at <= now || row.window_start_at !== b.start) return 0;
  return Math.max(0, row.usage);
}

export function currentLimitUsage(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, limit: Entry, now: number): number {
  return windowUsage(ctx, c, scopeKey(entity), limit, now);
}

export function addWindowUsage(ctx: Ctx, c: CustomerRecord, scope: string, limit: Entry, amount: number, now: number): void {
  if (!(amount > 0)) return;
  const b = limitBounds(ctx, c, limit, now);
  let row = rowFor(c, scope, limit);
  if (!row) {
    row = { scope, feature_id: limit.feature_id as string, interval: limit.interval as string, filter_key: filterKeyOf(limit.filter), window_start_at: b.start, window_end_at: b.end, usage: 0 };
    (c.usage_windows ??= []).push(row);
  }
  if (row.window_end_at <= now || row.window_start_at !== b.start) row.usage = 0;
  row.window_start_at = b.start;
  row.window_end_at = b.end;
  row.interval = limit.interval as string;
  row.usage += amount;
}

/**
 * An immediate paid→paid upgrade keeps Autumn's billing cycle, so the count
 * belongs to the same window (§1.7): live counters are re-pointed at the new
 * anchor's bounds. `limitsByRow` finds the limit config in force per row.
 */
export function carryWindows(ctx: Ctx, c: CustomerRecord, now: number, limitFor: (row: UsageWindowRow) => Entry | undefined): void {
  for (const row of c.usage_windows ?? []) {
    if (row.window_end_at <= now || row.window_start_at > now) continue;
    const limit = limitFor(row);
    if (!limit) continue;
    const b = limitBounds(ctx, c, limit, now);
    row.window_start_at = b.start;
    row.window_end_at = b.end;
  }
}
