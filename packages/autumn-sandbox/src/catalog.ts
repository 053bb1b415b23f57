// Features and plans: the catalog half of Autumn. Holds the one code path
// that changes the catalog (applyCatalog), used by `catalog.update` (atmn
// push), by the seed from autumn.config.ts, and by plans.create /
// features.create, plus plans.delete. Editing a plan that customers are on
// creates a new version (autumn-api.md §4.6); removing one that is in use
// archives it. Normalisation is in catalogNormalise.ts, lookups in
// catalogLookups.ts, the API shapes in catalogRender.ts.

import { ApiError, badRequest, invalid, notFound } from "./errors.js";
import type { SandboxState } from "./state.js";
import type {
  FeatureType,
  ResetIntervalName,
  StoredPlan,
  WireFeature,
  WireFreeTrial,
  WireItemPrice,
  WirePlanPrice,
} from "./wire.js";
import { assertCatalogCurrencies } from "./currency.js";
import { fullKey, normaliseFeature, planContent, pricingKey } from "./catalogNormalise.js";
import { featureInUse, latestPlan, planInUse, planVersion, versionInUse } from "./catalogLookups.js";

// ── Catalog body (what atmn sends; snake_case) ─────────────────────────────

export interface CatalogFeatureParams {
  feature_id: string;
  name: string;
  type: FeatureType;
  consumable?: boolean;
  event_names?: string[];
  credit_schema?: Array<{ metered_feature_id: string; credit_cost: number }>;
  display?: { singular: string; plural: string };
  archived?: boolean;
}

export interface CatalogItemParams {
  feature_id: string;
  included?: number;
  unlimited?: boolean;
  reset?: { interval: ResetIntervalName; interval_count?: number } | null;
  price?: Partial<WireItemPrice> | null;
  /** The item's rollover config, validated and stored beside the catalog by rollovers.ts. */
  rollover?: unknown;
}

/** A plan's free trial as sent: planContent defaults the unit ("month", as Autumn's FreeTrialParamsV1Schema) and card_required (true). */
export type CatalogFreeTrialParams = Pick<WireFreeTrial, "duration_length" | "on_end"> & Partial<Pick<WireFreeTrial, "duration_type" | "card_required">>;

export interface CatalogPlanParams {
  plan_id: string;
  name: string;
  description?: string | null;
  group?: string | null;
  add_on?: boolean;
  auto_enable?: boolean;
  price?: WirePlanPrice | null;
  items?: CatalogItemParams[];
  free_trial?: CatalogFreeTrialParams | null;
  archived?: boolean;
  disable_version?: boolean;
}

export interface CatalogBody {
  features: CatalogFeatureParams[];
  plans: CatalogPlanParams[];
  skip_deletions?: boolean;
  skip_feature_ids?: string[];
  skip_plan_ids?: string[];
}

// ── Validation shared by every write path ──────────────────────────────────

function validatePlanAgainstFeatures(plan: Omit<StoredPlan, "version" | "created_at">, features: Record<string, WireFeature>): void {
  for (const item of plan.items) {
    const f = features[item.feature_id];
    if (!f) throw invalid(`Plan ${plan.id} references unknown feature ${item.feature_id}`);
    if (f.type === "metered" && !f.consumable && item.reset) {
      throw invalid(`Plan ${plan.id}: non-consumable feature ${f.id} cannot have a reset interval`);
    }
  }
  if (plan.add_on && plan.auto_enable) throw invalid(`Plan ${plan.id}: an add-on cannot be auto-enabled`);
}

/** isFreeProductV2: no price at all, on the plan or on any item. */
function isFree(plan: Omit<StoredPlan, "version" | "created_at">): boolean {
  return plan.price === null && plan.items.every((i) => i.price === null);
}

/**
 * validateDefaultFlag: an auto-enable plan is either free or a card-less
 * trial of a paid plan ("default trial"); each group holds at most one of
 * each. A second one is a 400 invalid_request and the first stays the
 * default. Checked on the catalog as it will be, so switching the default
 * within one catalog.update passes.
 */
function validateDefaults(state: SandboxState, contents: Array<Omit<StoredPlan, "version" | "created_at">>, removed: Set<string>): void {
  const next = new Map<string, Omit<StoredPlan, "version" | "created_at">>();
  for (const id of Object.keys(state.plans)) {
    const latest = latestPlan(state, id);
    if (latest && !removed.has(id)) next.set(id, latest);
  }
  for (const c of contents) next.set(c.id, c);
  const kind = (p: Omit<StoredPlan, "version" | "created_at">): "free" | "default_trial" | null => {
    if (!p.auto_enable || p.archived) return null;
    if (isFree(p)) return "free";
    if (p.free_trial && p.free_trial.card_required === false) return "default_trial";
    return null;
  };
  for (const c of contents) {
    if (!c.auto_enable || c.archived) continue;
    const k = kind(c);
    if (!k) throw badRequest("Cannot make a plan auto-enable if it has prices on it.");
    const other = [...next.values()].find((p) => p.id !== c.id && (p.group ?? "") === (c.group ?? "") && kind(p) === k);
    if (other) {
      throw badRequest(k === "free"
        ? `You have another default product (${other.id}). Please remove default from that product first.`
        : `You have another default trial product in this group (${other.id}). Please remove default from that product first.`);
    }
  }
}

// ── Preview and apply ──────────────────────────────────────────────────────

export interface CatalogPreview {
  feature_changes: Array<{ feature_id: string; action: "create" | "update" | "remove" | "skipped" | "none"; will_archive?: boolean; blocked?: boolean }>;
  plan_changes: Array<{ plan_id: string; action: "created" | "updated" | "deleted" | "skipped" | "none"; versionable?: boolean; will_archive?: boolean; variants: never[] }>;
  reward_changes: never[];
  referral_program_changes: never[];
}

export function previewCatalog(state: SandboxState, body: CatalogBody): CatalogPreview {
  const skipF = new Set(body.skip_feature_ids ?? []);
  const skipP = new Set(body.skip_plan_ids ?? []);
  const deletions = body.skip_deletions === false;
  const feature_changes: CatalogPreview["feature_changes"] = [];
  const plan_changes: CatalogPreview["plan_changes"] = [];
  const desiredFeatures = new Set<string>();
  for (const fp of body.features) {
    desiredFeatures.add(fp.feature_id);
    if (skipF.has(fp.feature_id)) { feature_changes.push({ feature_id: fp.feature_id, action: "skipped" }); continue; }
    const existing = state.features[fp.feature_id];
    const next = normaliseFeature(fp);
    if (!existing) feature_changes.push({ feature_id: fp.feature_id, action: "create" });
    else if (JSON.stringify({ ...existing, archived: false }) !== JSON.stringify({ ...next, archived: false }) || (existing.archived && !fp.archived))
      feature_changes.push({ feature_id: fp.feature_id, action: "update" });
    else feature_changes.push({ feature_id: fp.feature_id, action: "none" });
  }
  const desiredPlans = new Set<string>();
  for (const pp of body.plans) {
    desiredPlans.add(pp.plan_id);
    if (skipP.has(pp.plan_id)) { plan_changes.push({ plan_id: pp.plan_id, action: "skipped", variants: [] }); continue; }
    const latest = latestPlan(state, pp.plan_id);
    const next = planContent(pp);
    if (!latest) plan_changes.push({ plan_id: pp.plan_id, action: "created", variants: [] });
    else if (fullKey(latest) !== fullKey(next)) {
      const versionable = !pp.disable_version && pricingKey(latest) !== pricingKey(next) && versionInUse(state, latest.id, latest.version);
      plan_changes.push({ plan_id: pp.plan_id, action: "updated", versionable, variants: [] });
    } else plan_changes.push({ plan_id: pp.plan_id, action: "none", variants: [] });
  }
  if (deletions) {
    for (const id of Object.keys(state.plans)) {
      const latest = latestPlan(state, id);
      if (!desiredPlans.has(id) && !skipP.has(id) && latest && !latest.archived) {
        plan_changes.push({ plan_id: id, action: "deleted", will_archive: planInUse(state, id), variants: [] });
      }
    }
    for (const id of Object.keys(state.features)) {
      const f = state.features[id];
      if (f && !desiredFeatures.has(id) && !skipF.has(id) && !f.archived) {
        feature_changes.push({ feature_id: id, action: "remove", will_archive: featureInUse(state, id) && desiredPlansUse(body, id) === false });
      }
    }
  }
  return { feature_changes, plan_changes, reward_changes: [], referral_program_changes: [] };
}

function desiredPlansUse(body: CatalogBody, featureId: string): boolean {
  return body.plans.some((p) => (p.items ?? []).some((i) => i.feature_id === featureId));
}

/**
 * Apply a complete desired catalog (atmn's payload) or, with skip_deletions
 * (the server default), an additive one. Validates everything before changing
 * anything, so a bad payload leaves the catalog as it was.
 */
export function applyCatalog(state: SandboxState, body: CatalogBody, now: number, opts: { multiCurrency?: boolean | null } = {}): CatalogPreview {
  const preview = previewCatalog(state, body);
  assertCatalogCurrencies(opts.multiCurrency ?? null, body.plans);
  const skipF = new Set(body.skip_feature_ids ?? []);
  const skipP = new Set(body.skip_plan_ids ?? []);

  // Validate against the catalog as it will be.
  const nextFeatures: Record<string, WireFeature> = { ...state.features };
  for (const fp of body.features) if (!skipF.has(fp.feature_id)) nextFeatures[fp.feature_id] = normaliseFeature(fp);
  for (const f of Object.values(nextFeatures)) {
    for (const c of f.credit_schema ?? []) {
      const target = nextFeatures[c.metered_feature_id];
      if (!target || target.type !== "metered") {
        throw invalid(`Credit system ${f.id} references ${c.metered_feature_id}, which is not a metered feature`);
      }
    }
  }
  const contents = body.plans.filter((p) => !skipP.has(p.plan_id)).map(planContent);
  for (const c of contents) validatePlanAgainstFeatures(c, nextFeatures);
  validateDefaults(state, contents, new Set(preview.plan_changes.filter((c) => c.action === "deleted").map((c) => c.plan_id)));

  // Features.
  state.features = nextFeatures;
  // Plans.
  for (const content of contents) {
    const versions = state.plans[content.id] ?? [];
    const latest = versions[versions.length - 1];
    const change = preview.plan_changes.find((c) => c.plan_id === content.id);
    if (!latest) {
      state.plans[content.id] = [{ ...content, version: 1, created_at: now }];
    } else if (change?.action === "updated") {
      if (change.versionable) versions.push({ ...content, version: latest.version + 1, created_at: now });
      else versions[versions.length - 1] = { ...content, version: latest.version, created_at: latest.created_at };
    }
  }
  // Deletions (only when the payload is the complete catalog).
  for (const change of preview.plan_changes) {
    if (change.action !== "deleted") continue;
    if (change.will_archive) for (const v of state.plans[change.plan_id] ?? []) v.archived = true;
    else delete state.plans[change.plan_id];
  }
  for (const change of preview.feature_changes) {
    if (change.action !== "remove") continue;
    const f = state.features[change.feature_id];
    if (!f) continue;
    if (featureInUse(state, change.feature_id)) f.archived = true;
    else delete state.features[change.feature_id];
  }
  return preview;
}

export function createFeature(state: SandboxState, p: CatalogFeatureParams): WireFeature {
  if (state.features[p.feature_id]) {
    throw new ApiError(409, "duplicate_feature_id", `Feature with id ${p.feature_id} already exists`);
  }
  applyCatalog(state, { features: [p], plans: [], skip_deletions: true }, Date.now());
  return state.features[p.feature_id] as WireFeature;
}

/** productErrClasses: a plan id that exists is 400 (not 409) product_already_exists. */
export function createPlan(state: SandboxState, p: CatalogPlanParams, now: number, opts: { multiCurrency?: boolean | null } = {}): StoredPlan {
  if (state.plans[p.plan_id]) {
    throw new ApiError(400, "product_already_exists", `Product ${p.plan_id} already exists`);
  }
  applyCatalog(state, { features: [], plans: [p], skip_deletions: true }, now, opts);
  return planVersion(state, p.plan_id);
}

/**
 * plans.delete (deleteProduct): the latest version, or every version with
 * all_versions; refused with 400 invalid_request while any customer product
 * (expired or active) points at what would be deleted.
 */
export function deletePlan(state: SandboxState, planId: string, allVersions = false): { success: true } {
  const versions = state.plans[planId];
  const latest = versions?.[versions.length - 1];
  if (!versions || !latest) throw notFound.plan(planId);
  const doomed = allVersions ? versions.map((v) => v.version) : [latest.version];
  const count = Object.values(state.customers)
    .reduce((n, c) => n + c.products.filter((p) => p.plan_id === planId && doomed.includes(p.version)).length, 0);
  if (count > 0) {
    throw badRequest(`Product ${planId} has ${count} customers (expired or active) on it and therefore cannot be deleted`);
  }
  const left = versions.filter((v) => !doomed.includes(v.version));
  if (left.length > 0) state.plans[planId] = left;
  else delete state.plans[planId];
  return { success: true };
}
