// Billing controls (autumn-controls.md §1.1–§1.4, §12): validation of the
// five control lists, Autumn's update semantics (a key sent replaces its
// array, [] clears, omitted keys stay), resolution across entity > customer >
// plan scopes (most restrictive among plans), and their rendering on
// customers and entities per API version. Window usage comes from windows.ts.

import { z } from "zod";
import type { Ctx } from "./context.js";
import { invalid } from "./errors.js";
import type { CustomerProduct, CustomerRecord, EntityRecord, StoredControls } from "./state.js";
import { currentLimitUsage } from "./windows.js";
import { expandPurchaseLimits } from "./topups.js";

export type Entry = Record<string, unknown>;
export type ControlKey = keyof StoredControls;
export const CONTROL_KEYS: ControlKey[] = ["auto_topups", "spend_limits", "usage_limits", "usage_alerts", "overage_allowed"];

// ── Schemas (shared/models/cusModels/billingControls/*.ts) ─────────────────

const filterSchema = z.object({
  properties: z.record(
    z.string().min(1).max(64),
    z.union([z.string().min(1).max(128), z.number(), z.boolean()]).transform(String),
  ).refine((p) => Object.keys(p).length >= 1 && Object.keys(p).length <= 4, "filter.properties must have between 1 and 4 keys"),
});

const overageAllowed = z.object({ feature_id: z.string(), enabled: z.boolean().default(false) });

const spendLimit = z.object({
  feature_id: z.string().optional(),
  enabled: z.boolean().default(false),
  limit_type: z.enum(["absolute", "usage_percentage"]).optional(),
  overage_limit: z.number().min(0).optional(),
  skip_overage_billing: z.boolean().optional(),
}).refine((d) => (d.overage_limit === undefined && d.skip_overage_billing === undefined) || d.feature_id !== undefined,
  { message: "feature_id is required when overage_limit or skip_overage_billing is provided", path: ["feature_id"] });

const usageLimit = z.object({
  feature_id: z.string(),
  enabled: z.boolean().default(true),
  limit: z.number().min(0),
  interval: z.enum(["day", "week", "month", "year"]),
  anchor: z.enum(["billing_cycle", "utc"]).optional(),
  filter: filterSchema.optional(),
});

const usageAlert = z.object({
  feature_id: z.string().optional(),
  enabled: z.boolean().default(true),
  threshold: z.number().min(0),
  threshold_type: z.enum(["usage", "usage_percentage", "remaining", "remaining_percentage"]),
  name: z.string().optional(),
}).refine((a) => !(a.threshold_type === "remaining_percentage" && a.threshold > 100),
  { message: "Threshold must be between 0 and 100 for remaining_percentage", path: ["threshold"] });

const autoTopup = z.object({
  feature_id: z.string(),
  enabled: z.boolean().default(false),
  threshold: z.number(),
  quantity: z.number().min(1),
  purchase_limit: z.object({
    interval: z.enum(["hour", "day", "week", "month"]),
    interval_count: z.number().min(1).default(1),
    limit: z.number().min(1),
    count: z.number().min(0).optional(),
  }).optional(),
  invoice_mode: z.boolean().optional(),
});

const controlsSchema = z.object({
  auto_topups: z.array(autoTopup).nullish(),
  spend_limits: z.array(spendLimit).nullish(),
  usage_limits: z.array(usageLimit).nullish(),
  usage_alerts: z.array(usageAlert).nullish(),
  overage_allowed: z.array(overageAllowed).nullish(),
});

export type ParsedControls = { [K in ControlKey]?: Entry[] | null };

export function filterKey(filter: unknown): string {
  const props = (filter as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!props) return "";
  return Object.entries(props).map(([k, v]) => [k, String(v)] as const)
    .sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join("&");
}

export const usageLimitIdentity = (e: Entry): string => `${String(e.feature_id)}|${filterKey(e.filter)}`;
const featureIdentity = (e: Entry): string | undefined => (e.feature_id as string | undefined);

/** Parse a `billing_controls` body; zod failures and duplicates are 400 invalid_inputs. */
export function parseControls(raw: unknown): ParsedControls | undefined {
  if (raw === undefined || raw === null) return undefined;
  const r = controlsSchema.safeParse(raw);
  if (!r.success) {
    throw invalid(r.error.issues.map((i) => `billing_controls.${i.path.join(".")}: ${i.message}`).join("; "));
  }
  const parsed = r.data as ParsedControls;
  const unique = (key: ControlKey, id: (e: Entry) => string | undefined, what: string): void => {
    const seen = new Set<string>();
    for (const e of parsed[key] ?? []) {
      const k = id(e);
      if (k === undefined) continue;
      if (seen.has(k)) throw invalid(`Only one ${what} entry is allowed per ${key === "usage_limits" ? "feature_id and filter" : "feature_id"}`);
      seen.add(k);
    }
  };
  unique("auto_topups", featureIdentity, "auto top-up");
  unique("spend_limits", featureIdentity, "spend limit");
  unique("usage_limits", usageLimitIdentity, "usage limit");
  unique("overage_allowed", featureIdentity, "overage_allowed");
  return parsed;
}

/** Apply parsed controls to a holder: each sent key replaces its array; null removes the key. */
export function applyControls(holder: { billing_controls?: StoredControls }, parsed: ParsedControls | undefined, opts: { entity?: boolean } = {}): void {
  if (!parsed) return;
  const next: StoredControls = { ...(holder.billing_controls ?? {}) };
  for (const key of CONTROL_KEYS) {
    if (opts.entity && key === "auto_topups") continue; // silently dropped on entities (§12.8)
    const v = parsed[key];
    if (v === undefined) continue;
    if (v === null) delete next[key];
    else next[key] = key === "auto_topups" ? v.map(stripCount) : v.map((e) => ({ ...e }));
  }
  holder.billing_controls = next;
}

function stripCount(e: Entry): Entry {
  const pl = e.purchase_limit as Entry | undefined;
  if (!pl) return { ...e };
  return { ...e, purchase_limit: { interval: pl.interval, interval_count: pl.interval_count ?? 1, limit: pl.limit } };
}

// ── Plan-scope controls ────────────────────────────────────────────────────

/** Plans whose defaults count: live customer products, newest first (planBillingControlUtils.ts). */
export function planControlProducts(ctx: Ctx, c: CustomerRecord, now: number): CustomerProduct[] {
  return c.products
    .filter((p) => p.status === "active" && p.started_at <= now && (p.ended_at === null || p.ended_at > now))
    .sort((a, b) => b.started_at - a.started_at || b.id.localeCompare(a.id));
}

export function planControlsOf(ctx: Ctx, cp: CustomerProduct): StoredControls {
  return cp.billing_controls ?? ctx.state.plan_controls?.[cp.plan_id] ?? {};
}

const days: Record<string, number> = { day: 1, week: 7, month: 30, year: 365 };

function stricter(key: ControlKey, left: Entry, right: Entry): Entry {
  if (key === "overage_allowed") return left.enabled ? right : left;
  if (key === "spend_limits") {
    if (Boolean(left.enabled) !== Boolean(right.enabled)) return left.enabled ? left : right;
    const l = (left.overage_limit as number | undefined) ?? Infinity;
    const r = (right.overage_limit as number | undefined) ?? Infinity;
    return r < l ? right : left;
  }
  if (key === "usage_limits") {
    const le = left.enabled !== false;
    const re = right.enabled !== false;
    if (le !== re) return le ? left : right;
    if (left.interval === right.interval) {
      if (left.limit !== right.limit) return (right.limit as number) < (left.limit as number) ? right : left;
    } else {
      const l = (left.limit as number) / (days[left.interval as string] ?? 1);
      const r = (right.limit as number) / (days[right.interval as string] ?? 1);
      if (l !== r) return r < l ? right : left;
    }
    const la = left.anchor ?? "billing_cycle";
    const ra = right.anchor ?? "billing_cycle";
    if (la !== ra) return la === "utc" ? left : right;
    return left;
  }
  return left; // auto_topups: the most recent plan wins
}

/** The plan-scope entry for one identity: most restrictive across live plans (auto top-ups: newest). */
function planEntry(ctx: Ctx, products: CustomerProduct[], key: ControlKey, identity: (e: Entry) => string | undefined, id: string): Entry | undefined {
  let winner: Entry | undefined;
  for (const cp of products) {
    const e = (planControlsOf(ctx, cp)[key] ?? []).find((x) => identity(x) === id);
    if (!e) continue;
    if (!winner) { winner = e; if (key === "auto_topups") return e; continue; }
    winner = stricter(key, winner, e);
  }
  return winner;
}

export interface ScopedEntry { entry: Entry; scope: "entity" | "customer" | "plan" }

/**
 * Entries of one key in force for a subject: entity's own, then the
 * customer's for identities the entity does not set, then plan defaults for
 * identities neither sets (a disabled nearer entry still shadows).
 */
export function effectiveEntries(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, key: ControlKey, now: number): ScopedEntry[] {
  const identity = key === "usage_limits" ? usageLimitIdentity : featureIdentity;
  const out: ScopedEntry[] = [];
  const taken = new Set<string>();
  const add = (list: Entry[] | undefined, scope: ScopedEntry["scope"]): void => {
    for (const e of list ?? []) {
      const id = identity(e);
      if (id === undefined) { if (scope !== "plan") out.push({ entry: e, scope }); continue; }
      if (taken.has(id)) continue;
      taken.add(id);
      out.push({ entry: e, scope });
    }
  };
  if (entity) add(entity.billing_controls?.[key], "entity");
  add(c.billing_controls?.[key], "customer");
  const products = planControlProducts(ctx, c, now);
  const planIds = [...new Set(products.flatMap((cp) => (planControlsOf(ctx, cp)[key] ?? []).map(identity)))]
    .filter((id): id is string => id !== undefined && !taken.has(id));
  for (const id of planIds) {
    const e = planEntry(ctx, products, key, identity, id);
    if (e) out.push({ entry: e, scope: "plan" });
  }
  return out;
}

/** The enabled spend limit with an overage_limit for a feature, if any. */
export function spendLimitFor(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, now: number): Entry | undefined {
  return effectiveEntries(ctx, c, entity, "spend_limits", now)
    .map((s) => s.entry)
    .find((e) => e.enabled === true && e.feature_id === featureId && e.overage_limit !== undefined);
}

export function overageControlFor(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, featureId: string, now: number): Entry | undefined {
  return effectiveEntries(ctx, c, entity, "overage_allowed", now).map((s) => s.entry).find((e) => e.feature_id === featureId);
}

/** Usage alerts that apply to a feature at customer scope: the customer's own, else the newest plan's. */
export function customerAlertsFor(ctx: Ctx, c: CustomerRecord, featureId: string, now: number): Entry[] {
  const matches = (e: Entry): boolean => e.feature_id === featureId || e.feature_id === undefined;
  const own = (c.billing_controls?.usage_alerts ?? []).filter(matches);
  if (own.length > 0) return own;
  for (const cp of planControlProducts(ctx, c, now)) {
    const list = (planControlsOf(ctx, cp).usage_alerts ?? []).filter(matches);
    if (list.length > 0) return list;
  }
  return [];
}

// ── Rendering (§1.4, §12.2, §12.5, §12.9, §12.10) ──────────────────────────

/** True for API versions before 2.3 (plan defaults hidden, no `source`). */
export function preV23(ctx: Ctx): boolean {
  const m = /^(\d+)(?:\.(\d+))?/.exec(ctx.apiVersion?.trim() ?? "");
  if (!m) return false;
  const major = Number(m[1]);
  return major < 2 || (major === 2 && Number(m[2] ?? 0) < 3);
}

function withUsage(ctx: Ctx, c: CustomerRecord, entity: EntityRecord | null, e: Entry, now: number): Entry {
  if (e.enabled === false || !ctx.state.features[e.feature_id as string]) return { ...e };
  return { ...e, usage: currentLimitUsage(ctx, c, entity, e, now) };
}

export function renderCustomerControls(ctx: Ctx, c: CustomerRecord, expand: string[] = []): Record<string, unknown> {
  const out = renderControlsInner(ctx, c);
  if (expand.includes("billing_controls.auto_topups.purchase_limit") && Array.isArray(out.auto_topups)) {
    out.auto_topups = expandPurchaseLimits(ctx, c, out.auto_topups as Entry[]);
  }
  return out;
}

function renderControlsInner(ctx: Ctx, c: CustomerRecord): Record<string, unknown> {
  const now = ctx.now(c);
  const own = c.billing_controls ?? {};
  const out: Record<string, unknown> = {};
  if (preV23(ctx)) {
    for (const key of CONTROL_KEYS) {
      const list = own[key];
      if (list === undefined) continue;
      out[key] = key === "usage_limits" ? list.map((e) => withUsage(ctx, c, null, e, now)) : list.map((e) => ({ ...e }));
    }
    return out;
  }
  const products = planControlProducts(ctx, c, now);
  for (const key of CONTROL_KEYS) {
    let merged: Entry[];
    if (key === "usage_alerts") {
      const customer: Entry[] = (own.usage_alerts ?? []).map((e) => ({ ...e, source: "customer" }));
      const featuresSet = new Set(customer.map((e) => (e.feature_id as string | undefined) ?? ""));
      const owner = new Map<string, string>();
      const plan: Entry[] = [];
      for (const cp of products) {
        for (const a of planControlsOf(ctx, cp).usage_alerts ?? []) {
          const f = (a.feature_id as string | undefined) ?? "";
          if (featuresSet.has(f)) continue;
          const o = owner.get(f);
          if (o === undefined) owner.set(f, cp.id);
          else if (o !== cp.id) continue;
          plan.push({ ...a, source: "plan" });
        }
      }
      merged = [...customer, ...plan];
    } else {
      merged = effectiveEntries(ctx, c, null, key, now).map(({ entry, scope }) => {
        const e = key === "usage_limits" ? withUsage(ctx, c, null, entry, now) : { ...entry };
        return { ...e, source: scope === "plan" ? "plan" : "customer" };
      });
    }
    if (merged.length > 0) out[key] = merged;
    else if (own[key] !== undefined) out[key] = [];
  }
  return out;
}

/** An entity's own controls, with `usage` on its own usage limits. */
export function renderEntityControls(ctx: Ctx, c: CustomerRecord, e: EntityRecord): Record<string, unknown> | undefined {
  if (!e.billing_controls) return undefined;
  const now = ctx.now(c);
  const out: Record<string, unknown> = {};
  for (const key of CONTROL_KEYS) {
    const list = e.billing_controls[key];
    if (list === undefined) continue;
    out[key] = key === "usage_limits" ? list.map((x) => withUsage(ctx, c, e, x, now)) : list.map((x) => ({ ...x }));
  }
  return out;
}
