// Rollovers (autumn-controls.md §3; rolloverUtils.ts, cusEntsToRollovers.ts):
// a plan item's `rollover` config, the roll at each reset (only a positive
// leftover rolls; it expires at the next reset + length months, or never),
// the cap (max or max_percentage of the grant, oldest trimmed first), and the
// live rollover pots a balance drains first, soonest expiry first.

import { z } from "zod";
import { invalid } from "./errors.js";
import type { Grant, SandboxState } from "./state.js";
import { addIntervals } from "./time.js";

export interface RolloverConfig { max: number | null; max_percentage: number | null; duration: "month" | "forever"; length: number }
export interface RolloverPot { id: string; balance: number; usage: number; expires_at: number | null }

const wireRollover = z.object({
  max: z.number().min(0).nullish(),
  max_percentage: z.number().min(0).max(100).nullish(),
  expiry_duration_type: z.enum(["month", "forever"]).default("month"),
  expiry_duration_length: z.number().int().min(0).optional(),
}).refine((r) => r.max == null || r.max_percentage == null, { message: "max and max_percentage are mutually exclusive" });

/** What storePlanRollovers reads of a plan body (inputs.ts has already checked its shape). */
export interface PlanRolloverSource {
  plan_id: string;
  items?: ReadonlyArray<{ feature_id: string; rollover?: unknown }>;
}

/** Record the `rollover` of each item of plan bodies (plans.create / catalog.update), validating it. */
export function storePlanRollovers(state: Pick<SandboxState, "plan_rollovers">, plans: readonly PlanRolloverSource[]): void {
  for (const p of plans) {
    const items = p.items ?? [];
    const configs: Record<string, Record<string, unknown>> = {};
    for (const item of items) {
      if (item.rollover === undefined || item.rollover === null) continue;
      const r = wireRollover.safeParse(item.rollover);
      if (!r.success) throw invalid(`items.rollover: ${r.error.issues.map((i) => i.message).join("; ")}`);
      configs[item.feature_id] = r.data;
    }
    const planId = p.plan_id;
    if (Object.keys(configs).length > 0) (state.plan_rollovers ??= {})[planId] = configs;
    else if (state.plan_rollovers?.[planId] && p.items !== undefined) delete state.plan_rollovers[planId];
  }
}

export function rolloverConfigFor(state: SandboxState, planId: string | null, featureId: string): RolloverConfig | null {
  const w = planId ? state.plan_rollovers?.[planId]?.[featureId] : undefined;
  if (!w) return null;
  return {
    max: (w.max as number | null | undefined) ?? null,
    max_percentage: (w.max_percentage as number | null | undefined) ?? null,
    duration: (w.expiry_duration_type as "month" | "forever") ?? "month",
    length: (w.expiry_duration_length as number | undefined) ?? 1,
  };
}

/** Item `rollover` as plans render it (v2 wire names). */
export function renderRolloverConfig(state: SandboxState, planId: string, featureId: string): Record<string, unknown> | undefined {
  return state.plan_rollovers?.[planId]?.[featureId];
}

export function livePots(g: Grant, now: number): RolloverPot[] {
  return (g.rollovers ?? []).filter((r) => r.expires_at === null || r.expires_at > now);
}

/** Live pots of a grant in drain order: soonest expiry first, never-expiring last. */
export function potsInOrder(g: Grant, now: number): RolloverPot[] {
  return livePots(g, now).sort((a, b) => (a.expires_at ?? Infinity) - (b.expires_at ?? Infinity) || a.id.localeCompare(b.id));
}

export const potRemaining = (g: Grant, now: number): number => livePots(g, now).reduce((s, r) => s + Math.max(0, r.balance), 0);

/** At a reset at `at` (new next reset `next`): roll the positive leftover, then apply the cap. */
export function rollAtReset(g: Grant, next: number, now: number, newId: () => string): void {
  const cfg = g.rollover_config;
  if (!cfg) return;
  const leftover = g.included_grant + g.prepaid_grant - g.usage;
  g.rollovers = livePots(g, now);
  if (leftover > 0) {
    g.rollovers.push({ id: newId(), balance: leftover, usage: 0, expires_at: cfg.duration === "forever" ? null : addIntervals(next, "month", cfg.length) });
  }
  const max = cfg.max_percentage !== null ? Math.floor(((g.included_grant + g.prepaid_grant) * cfg.max_percentage) / 100) : cfg.max;
  if (max === null) return;
  let total = g.rollovers.reduce((s, r) => s + r.balance, 0);
  for (const r of [...g.rollovers].sort((a, b) => a.id.localeCompare(b.id))) {
    if (total <= max) break;
    const cut = Math.min(r.balance, total - max);
    r.balance -= cut;
    total -= cut;
  }
  g.rollovers = g.rollovers.filter((r) => r.balance > 0 || r.usage > 0);
}

/** `balance.rollovers` entries: granted is what was rolled in, expires_at 0 for never. */
export function renderPots(grants: Grant[], now: number): Array<Record<string, unknown>> | undefined {
  if (!grants.some((g) => g.rollover_config)) return undefined;
  return grants.flatMap((g) => potsInOrder(g, now).map((r) => ({ granted: r.balance + r.usage, balance: r.balance, expires_at: r.expires_at ?? 0 })));
}
