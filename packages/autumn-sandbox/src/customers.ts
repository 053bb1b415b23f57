// Customers: creation (with every auto-enable plan, #1), lookup (which also
// settles anything due on the customer's clock), cursor-paged listing and
// the v2 Customer object with its optional expansions.

import type { Ctx } from "./context.js";
import { ApiError, invalid, notFound } from "./errors.js";
import { latestPlan } from "./catalogLookups.js";
import { renderPlan } from "./catalogRender.js";
import { heldFeatures, renderBalance, renderFlag } from "./balances.js";
import { renderCustomerControls } from "./controls.js";
import { activatePlan, settle } from "./subscriptions.js";
import { DEFAULT_CURRENCY } from "./money.js";
import { assertCurrencyParamAllowed } from "./currency.js";
import type { CustomerRecord } from "./state.js";
import type { StoredPlan } from "./wire.js";

export interface CustomerInput {
  customer_id: string;
  name?: string | null;
  email?: string | null;
  fingerprint?: string | null;
  metadata?: Record<string, unknown> | null;
  stripe_id?: string | null;
  send_email_receipts?: boolean;
  currency?: string | null;
  auto_enable_plan_id?: string | null;
}

export function createCustomer(ctx: Ctx, input: CustomerInput): CustomerRecord {
  const { state } = ctx;
  if (state.customers[input.customer_id]) {
    throw new ApiError(409, "customer_already_exists", `Customer ${input.customer_id} already exists`);
  }
  // A currency given at creation is the customer's locked currency from the
  // start; without one it stays unset until the first paid attach (§2).
  assertCurrencyParamAllowed(ctx, input.currency);
  const locked = input.currency ? input.currency.toLowerCase() : null;
  const currency = locked ?? DEFAULT_CURRENCY;
  const customer: CustomerRecord = {
    id: input.customer_id,
    name: input.name ?? null,
    email: input.email ?? null,
    fingerprint: input.fingerprint ?? null,
    metadata: input.metadata ?? {},
    stripe_id: input.stripe_id ?? `cus_sbx_${input.customer_id.replace(/[^a-zA-Z0-9]/g, "").slice(0, 16)}`,
    send_email_receipts: input.send_email_receipts ?? false,
    currency: locked,
    created_at: ctx.now(),
    clock_offset_ms: 0,
    payment_method: null,
    products: [],
    grants: [],
    invoices: [],
    trials_used: [],
  };
  const defaults: StoredPlan[] = [];
  if (input.auto_enable_plan_id) {
    const plan = latestPlan(state, input.auto_enable_plan_id);
    if (!plan || plan.archived) throw notFound.plan(input.auto_enable_plan_id);
    defaults.push(plan);
  } else {
    for (const id of Object.keys(state.plans)) {
      const plan = latestPlan(state, id);
      if (plan && plan.auto_enable && !plan.archived) defaults.push(plan);
    }
  }
  state.customers[customer.id] = customer;
  for (const plan of defaults) {
    activatePlan(ctx, customer, plan, { now: customer.created_at, currency, billed: false });
  }
  return customer;
}

/** get_or_create: fills only an empty name/email on an existing customer. */
export function getOrCreateCustomer(ctx: Ctx, input: CustomerInput): CustomerRecord {
  const existing = ctx.state.customers[input.customer_id];
  if (!existing) return createCustomer(ctx, input);
  if (existing.name === null && input.name) existing.name = input.name;
  if (existing.email === null && input.email) existing.email = input.email;
  if (existing.fingerprint === null && input.fingerprint) existing.fingerprint = input.fingerprint;
  settle(ctx, existing);
  return existing;
}

/** The customer, with everything due on its clock applied (lazy resets, period ends). */
export function requireCustomer(ctx: Ctx, id: string): CustomerRecord {
  const c = ctx.state.customers[id];
  if (!c) throw notFound.customer(id);
  settle(ctx, c);
  return c;
}

export function updateCustomer(ctx: Ctx, input: CustomerInput & { new_customer_id?: string }): CustomerRecord {
  const c = requireCustomer(ctx, input.customer_id);
  if (input.name !== undefined) c.name = input.name;
  if (input.email !== undefined) c.email = input.email;
  if (input.fingerprint !== undefined) c.fingerprint = input.fingerprint;
  if (input.metadata !== undefined && input.metadata !== null) c.metadata = { ...c.metadata, ...input.metadata };
  if (input.send_email_receipts !== undefined) c.send_email_receipts = input.send_email_receipts;
  if (input.currency) c.currency = input.currency.toLowerCase();
  if (input.new_customer_id && input.new_customer_id !== c.id) {
    if (ctx.state.customers[input.new_customer_id]) {
      throw new ApiError(409, "customer_already_exists", `Customer ${input.new_customer_id} already exists`);
    }
    delete ctx.state.customers[c.id];
    // Entities are keyed "<customer>/<entity>": move the key along with the owner.
    for (const [key, e] of Object.entries(ctx.state.entities)) {
      if (e.customer_id !== c.id) continue;
      delete ctx.state.entities[key];
      e.customer_id = input.new_customer_id;
      ctx.state.entities[`${e.customer_id}/${e.id}`] = e;
    }
    for (const rec of [...Object.values(ctx.state.locks), ...Object.values(ctx.state.checkouts), ...Object.values(ctx.state.portals)]) {
      if (rec.customer_id === c.id) rec.customer_id = input.new_customer_id;
    }
    for (const ev of ctx.state.events) if (ev.customer_id === c.id) ev.customer_id = input.new_customer_id;
    c.id = input.new_customer_id;
    ctx.state.customers[c.id] = c;
  }
  return c;
}

export function deleteCustomer(ctx: Ctx, id: string): void {
  if (!ctx.state.customers[id]) throw notFound.customer(id);
  delete ctx.state.customers[id];
  for (const [key, e] of Object.entries(ctx.state.entities)) if (e.customer_id === id) delete ctx.state.entities[key];
  for (const [key, l] of Object.entries(ctx.state.locks)) if (l.customer_id === id) delete ctx.state.locks[key];
}

// ── Listing with cursors ───────────────────────────────────────────────────

export interface ListCustomersInput {
  start_cursor?: string;
  limit?: number;
  search?: string;
  plans?: Array<{ id: string; versions?: number[] }>;
  subscription_status?: string;
  sort_order?: "asc" | "desc";
  created_at_range?: { start?: number; end?: number };
}

interface CursorPos { created_at: number; id: string }

function encodeCursor(c: CustomerRecord): string {
  return Buffer.from(JSON.stringify({ created_at: c.created_at, id: c.id } satisfies CursorPos)).toString("base64url");
}

function decodeCursor(cursor: string): CursorPos {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as CursorPos;
    if (typeof parsed.created_at !== "number" || typeof parsed.id !== "string") throw new Error("shape");
    return parsed;
  } catch {
    throw invalid(`Invalid start_cursor: ${cursor}`);
  }
}

/** Keyset pagination on (created_at, id): stable while customers are added. */
export function listCustomers(ctx: Ctx, input: ListCustomersInput): { list: CustomerRecord[]; next_cursor: string | null } {
  const limit = input.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw invalid("limit must be an integer between 1 and 5000");
  const dir = input.sort_order === "asc" ? 1 : -1;
  const cmp = (a: CursorPos, b: CursorPos): number => dir * (a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const after = input.start_cursor ? decodeCursor(input.start_cursor) : null;
  const search = input.search?.toLowerCase();
  const all = Object.values(ctx.state.customers).filter((c) => {
    if (after && cmp(c, after) <= 0) return false;
    if (search && ![c.id, c.name ?? "", c.email ?? ""].some((s) => s.toLowerCase().includes(search))) return false;
    if (input.created_at_range?.start !== undefined && c.created_at < input.created_at_range.start) return false;
    if (input.created_at_range?.end !== undefined && c.created_at > input.created_at_range.end) return false;
    if (input.plans?.length && !c.products.some((p) => p.status !== "expired" && input.plans?.some((f) => f.id === p.plan_id && (!f.versions || f.versions.includes(p.version))))) return false;
    if (input.subscription_status && !c.products.some((p) => p.status === input.subscription_status)) return false;
    return true;
  });
  all.sort(cmp);
  const page = all.slice(0, limit);
  for (const c of page) settle(ctx, c);
  const last = page[page.length - 1];
  return { list: page, next_cursor: all.length > limit && last ? encodeCursor(last) : null };
}

// ── Rendering ──────────────────────────────────────────────────────────────

export function renderCustomer(ctx: Ctx, c: CustomerRecord, expand: string[] = []): Record<string, unknown> {
  const now = ctx.now(c);
  const { state } = ctx;
  const has = (e: string): boolean => expand.includes(e);
  const planOf = (id: string, version: number): Record<string, unknown> | undefined => {
    const p = state.plans[id]?.find((v) => v.version === version) ?? latestPlan(state, id);
    return p ? renderPlan(p) : undefined;
  };
  const live = c.products.filter((p) => p.status !== "expired");
  const held = heldFeatures(state, c, now);
  const balances: Record<string, unknown> = {};
  for (const id of held.metered) {
    const b = renderBalance(state, c, id, now, has("balances.feature"));
    if (b) balances[id] = b;
  }
  const flags: Record<string, unknown> = {};
  for (const id of held.flags) {
    const f = renderFlag(state, c, id, now, has("flags.feature"));
    if (f) flags[id] = f;
  }
  return {
    id: c.id,
    name: c.name,
    email: c.email,
    created_at: c.created_at,
    fingerprint: c.fingerprint,
    stripe_id: c.stripe_id,
    env: "sandbox",
    metadata: c.metadata,
    send_email_receipts: c.send_email_receipts,
    billing_controls: renderCustomerControls(ctx, c, expand),
    subscriptions: live.filter((p) => p.kind === "subscription").map((p) => ({
      id: p.id,
      plan_id: p.plan_id,
      ...(has("subscriptions.plan") ? { plan: planOf(p.plan_id, p.version) } : {}),
      auto_enable: p.auto_enable,
      add_on: p.add_on,
      status: p.status,
      past_due: p.past_due,
      canceled_at: p.canceled_at,
      expires_at: p.expires_at,
      trial_ends_at: p.trial_ends_at,
      started_at: p.started_at,
      current_period_start: p.current_period_start,
      current_period_end: p.current_period_end,
      quantity: p.quantity,
      scope: "customer",
    })),
    purchases: live.filter((p) => p.kind === "purchase").map((p) => ({
      plan_id: p.plan_id,
      ...(has("purchases.plan") ? { plan: planOf(p.plan_id, p.version) } : {}),
      expires_at: p.expires_at,
      started_at: p.started_at,
      quantity: p.quantity,
      scope: "customer",
    })),
    licenses: [],
    balances,
    flags,
    ...(has("invoices")
      ? {
          invoices: [...c.invoices].sort((a, b) => b.created_at - a.created_at).map((i) => ({
            plan_ids: i.plan_ids,
            stripe_id: i.id,
            processor_type: "stripe",
            status: i.status,
            total: i.total,
            currency: i.currency,
            created_at: i.created_at,
            hosted_invoice_url: `${ctx.publicUrl}/invoices/${i.id}`,
          })),
        }
      : {}),
    ...(has("trials_used")
      ? { trials_used: c.trials_used.map((t) => ({ plan_id: t.plan_id, customer_id: c.id, fingerprint: t.fingerprint })) }
      : {}),
    ...(has("payment_method")
      ? { payment_method: c.payment_method ? { type: "card", card: { brand: c.payment_method.brand, last4: c.payment_method.last4, exp: c.payment_method.exp } } : null }
      : {}),
  };
}
