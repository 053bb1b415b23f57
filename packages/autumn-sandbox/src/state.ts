// Everything the sandbox knows, as one JSON-serialisable object, plus the
// store that keeps it on disk so state survives a restart. Writes are
// debounced and atomic (temp file + rename): a crash mid-write never leaves a
// torn file. Tests run with no file at all (memory only).

import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import type { ResetIntervalName, StoredPlan, WireFeature } from "./wire.js";

export type SubscriptionStatus = "active" | "scheduled" | "expired";

/** A plan attached to a customer: a subscription (recurring) or a purchase (one-off). */
export interface CustomerProduct {
  id: string;
  plan_id: string;
  version: number;
  kind: "subscription" | "purchase";
  status: SubscriptionStatus;
  add_on: boolean;
  auto_enable: boolean;
  group: string | null;
  started_at: number;
  /** When a scheduled product takes over. */
  starts_at: number | null;
  current_period_start: number | null;
  current_period_end: number | null;
  canceled_at: number | null;
  expires_at: number | null;
  ended_at: number | null;
  trial_ends_at: number | null;
  past_due: boolean;
  quantity: number;
  /** Currency this product is billed in. */
  currency: string;
  /** Prepaid quantities bought with it (feature_quantities). */
  feature_quantities: Array<{ feature_id: string; quantity: number }>;
  /** False for plans granted with `no_billing_changes` (migrations): never invoiced. */
  billed: boolean;
  /** attach `customize.billing_controls`: this customer's override of the plan defaults. */
  billing_controls?: StoredControls;
}

/** One balance (Autumn's "customer entitlement"): a grant of one feature from one source. */
export interface Grant {
  id: string;
  customer_product_id: string | null;
  plan_id: string | null;
  feature_id: string;
  included_grant: number;
  prepaid_grant: number;
  usage: number;
  unlimited: boolean;
  reset: { interval: Exclude<ResetIntervalName, "one_off">; interval_count: number } | null;
  reset_anchor: number | null;
  next_reset_at: number | null;
  expires_at: number | null;
  overage_allowed: boolean;
  max_purchase: number | null;
  billing_method: "prepaid" | "usage_based" | null;
  add_on: boolean;
  created_at: number;
  /** Plan item `rollover` config (rollovers.ts), when the item has one. */
  rollover_config?: { max: number | null; max_percentage: number | null; duration: "month" | "forever"; length: number } | null;
  /** Live and spent rollover pots: what rolled in at a reset, drained first. */
  rollovers?: Array<{ id: string; balance: number; usage: number; expires_at: number | null }>;
}

export interface Invoice {
  id: string;
  plan_ids: string[];
  status: "paid" | "open" | "void" | "refunded";
  total: number;
  currency: string;
  created_at: number;
  description: string;
}

export interface CustomerRecord {
  id: string;
  name: string | null;
  email: string | null;
  fingerprint: string | null;
  metadata: Record<string, unknown>;
  stripe_id: string | null;
  send_email_receipts: boolean;
  currency: string | null;
  created_at: number;
  /** Per-customer test clock: added on top of the global clock. */
  clock_offset_ms: number;
  /** `charges_fail`: Stripe's 4000 0000 0000 0341, saved and paid at checkout, but every later charge fails. */
  payment_method: { brand: string; last4: string; exp: string; charges_fail?: boolean } | null;
  products: CustomerProduct[];
  grants: Grant[];
  invoices: Invoice[];
  trials_used: Array<{ plan_id: string; fingerprint: string | null }>;
  /** Customer-level billing controls (controls.ts); a key is present once it was ever set. */
  billing_controls?: StoredControls;
  /** Usage-limit window counters (windows.ts), one row per scope/feature/interval/filter. */
  usage_windows?: UsageWindowRow[];
  /** Auto top-up runtime state per feature (topups.ts). */
  topups?: Record<string, TopupState>;
}

/** Billing controls as stored: each key is an array once set ([] = cleared). Entries are validated wire objects. */
export interface StoredControls {
  auto_topups?: Array<Record<string, unknown>>;
  spend_limits?: Array<Record<string, unknown>>;
  usage_limits?: Array<Record<string, unknown>>;
  usage_alerts?: Array<Record<string, unknown>>;
  overage_allowed?: Array<Record<string, unknown>>;
}

export interface UsageWindowRow {
  /** "customer" or the entity id for an entity-scoped counter. */
  scope: string;
  feature_id: string;
  interval: string;
  filter_key: string;
  window_start_at: number;
  window_end_at: number;
  usage: number;
}

export interface TopupState {
  window_start_at: number | null;
  count: number;
  consecutive_failures: number;
  attempts: number[];
  last_failure_at: number | null;
  /** Last blocking-limit failure reported, so each blocking window reports once. */
  reported?: string | null;
}

export interface EntityRecord {
  id: string;
  customer_id: string;
  feature_id: string;
  name: string | null;
  created_at: number;
  /** The entity's own billing controls (no auto_topups). */
  billing_controls?: StoredControls;
}

export interface UsageEvent {
  id: string;
  customer_id: string;
  entity_id: string | null;
  feature_id: string;
  value: number;
  timestamp: number;
  properties: Record<string, unknown>;
  deductions: Array<Record<string, unknown>>;
}

export interface LockRecord {
  lock_id: string;
  customer_id: string;
  feature_id: string;
  entity_id: string | null;
  /** What was taken from which grant, to give back exactly on release. */
  taken: Array<{ grant_id: string; amount: number }>;
  /** Reserved value in units of feature_id. */
  value: number;
  overage_behavior: "reject" | "cap" | "overflow";
  expires_at: number | null;
  status: "held" | "confirmed" | "released";
  properties: Record<string, unknown>;
}

/** A hosted-checkout session: an attach waiting for a card. */
export interface CheckoutSession {
  id: string;
  customer_id: string;
  plan_id: string;
  kind: "attach" | "setup";
  /** The attach body to replay once paid (snake_case wire body). */
  attach: Record<string, unknown> | null;
  success_url: string | null;
  cancel_url: string | null;
  currency: string;
  lines: Array<{ description: string; amount: number }>;
  total: number;
  trial_days: number | null;
  status: "open" | "requires_action" | "processing" | "complete" | "expired";
  last_error: string | null;
  created_at: number;
  /** Real time (ms) at which a paid session settles and the plan activates. */
  settles_at: number | null;
}

export interface PortalSession {
  id: string;
  customer_id: string;
  return_url: string | null;
  created_at: number;
}

export interface SandboxState {
  version: 1;
  features: Record<string, WireFeature>;
  /** Every version of every plan, oldest first. */
  plans: Record<string, StoredPlan[]>;
  customers: Record<string, CustomerRecord>;
  entities: Record<string, EntityRecord>;
  events: UsageEvent[];
  locks: Record<string, LockRecord>;
  idempotency: Record<string, { at: number; status: "pending" | "done" }>;
  checkouts: Record<string, CheckoutSession>;
  portals: Record<string, PortalSession>;
  clock_offset_ms: number;
  seq: number;
  /** Hash of the configured catalog last loaded, to notice config edits across restarts. */
  seed_hash?: string;
  /** Plan-level default billing controls, by plan id (plans.create / plans.update `billing_controls`). */
  plan_controls?: Record<string, StoredControls>;
  /** Plan item rollover configs, by plan id then feature id (catalog/plans.create item `rollover`). */
  plan_rollovers?: Record<string, Record<string, Record<string, unknown>>>;
}

export function emptyState(): SandboxState {
  return {
    version: 1,
    features: {},
    plans: {},
    customers: {},
    entities: {},
    events: [],
    locks: {},
    idempotency: {},
    checkouts: {},
    portals: {},
    clock_offset_ms: 0,
    seq: 0,
  };
}

/** Sequential, prefixed ids: readable in tests and stable across a restart. */
export function nextId(state: SandboxState, prefix: string): string {
  state.seq += 1;
  return `${prefix}_${state.seq.toString(36).padStart(6, "0")}`;
}

export class StateStore {
  state: SandboxState;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly file: string | null, private readonly debounceMs = 50) {
    this.state = file && existsSync(file) ? StateStore.read(file) : emptyState();
  }

  get loadedFromDisk(): boolean {
    return this.file !== null && existsSync(this.file);
  }

  private static read(file: string): SandboxState {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as SandboxState;
    if (parsed.version !== 1) throw new Error(`Unsupported sandbox data version in ${file}`);
    return { ...emptyState(), ...parsed };
  }

  /** Mark state dirty; it is written shortly after (or at once with flush()). */
  changed(): void {
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }

  reset(): void {
    this.state = emptyState();
    this.changed();
  }
}
