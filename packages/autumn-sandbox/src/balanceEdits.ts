// Direct balance edits: balances.create (a loose grant, not from a plan),
// balances.update (set remaining / usage / included, add to balance) and
// balances.delete.

import type { Ctx } from "./context.js";
import { invalid, notFound } from "./errors.js";
import { requireFeature } from "./catalogLookups.js";
import { requireCustomer } from "./customers.js";
import { grantsInOrder } from "./grants.js";
import { requireEntity } from "./metering.js";
import { nextBoundaryAfter, isInterval } from "./time.js";
import { nextId, type Grant } from "./state.js";

export interface BalanceCreateInput {
  customer_id: string;
  feature_id: string;
  entity_id?: string | null;
  included_grant?: number;
  unlimited?: boolean;
  reset?: { interval: string; interval_count?: number } | null;
  expires_at?: number | null;
  next_reset_at?: number | null;
  balance_id?: string;
}

export function createBalance(ctx: Ctx, input: BalanceCreateInput): { success: true } {
  const f = requireFeature(ctx.state, input.feature_id);
  if (f.type === "boolean" && input.included_grant) throw invalid("A boolean feature has no balance to grant");
  const c = requireCustomer(ctx, input.customer_id);
  requireEntity(ctx, c.id, input.entity_id);
  const now = ctx.now(c);
  let reset: Grant["reset"] = null;
  if (input.reset && input.reset.interval !== "one_off") {
    if (!isInterval(input.reset.interval)) throw invalid(`Unknown reset interval ${input.reset.interval}`);
    reset = { interval: input.reset.interval, interval_count: input.reset.interval_count ?? 1 };
  }
  c.grants.push({
    id: input.balance_id ?? nextId(ctx.state, "cus_ent"),
    customer_product_id: null,
    plan_id: null,
    feature_id: f.id,
    included_grant: input.included_grant ?? 0,
    prepaid_grant: 0,
    usage: 0,
    unlimited: Boolean(input.unlimited),
    reset,
    reset_anchor: reset ? now : null,
    next_reset_at: reset ? (input.next_reset_at ?? nextBoundaryAfter(now, reset.interval, reset.interval_count, now)) : null,
    expires_at: input.expires_at ?? null,
    overage_allowed: false,
    max_purchase: null,
    billing_method: null,
    add_on: true,
    created_at: now,
  });
  return { success: true };
}

export interface BalanceUpdateInput {
  customer_id: string;
  feature_id: string;
  entity_id?: string | null;
  remaining?: number;
  add_to_balance?: number;
  usage?: number;
  included_grant?: number;
  interval?: string;
  balance_id?: string;
  next_reset_at?: number;
}

export function updateBalance(ctx: Ctx, input: BalanceUpdateInput): { success: true } {
  requireFeature(ctx.state, input.feature_id);
  const c = requireCustomer(ctx, input.customer_id);
  const now = ctx.now(c);
  const modes = [input.remaining, input.add_to_balance, input.usage].filter((v) => v !== undefined).length;
  if (modes !== 1 && input.included_grant === undefined) throw invalid("Provide exactly one of remaining, add_to_balance or usage");
  const own = grantsInOrder(ctx.state, c, input.feature_id, now).filter((g) => g.feature_id === input.feature_id);
  const target = own.find((g) => (input.balance_id ? g.id === input.balance_id : input.interval ? g.reset?.interval === input.interval : true));
  if (!target) throw notFound.feature(input.feature_id);
  if (input.included_grant !== undefined) target.included_grant = input.included_grant;
  const total = target.included_grant + target.prepaid_grant;
  if (input.remaining !== undefined) target.usage = total - input.remaining;
  if (input.usage !== undefined) target.usage = input.usage;
  // add_to_balance lowers usage and leaves granted unchanged (#14)
  if (input.add_to_balance !== undefined) target.usage -= input.add_to_balance;
  if (input.next_reset_at !== undefined) target.next_reset_at = input.next_reset_at;
  return { success: true };
}

export function deleteBalance(ctx: Ctx, input: { customer_id: string; feature_id?: string; balance_id?: string; interval?: string }): { success: true } {
  const c = requireCustomer(ctx, input.customer_id);
  const before = c.grants.length;
  c.grants = c.grants.filter((g) => !(
    (input.balance_id ? g.id === input.balance_id : true) &&
    (input.feature_id ? g.feature_id === input.feature_id : true) &&
    (input.interval ? g.reset?.interval === input.interval : true) &&
    (input.balance_id || g.customer_product_id === null)
  ));
  if (c.grants.length === before) throw notFound.feature(input.feature_id ?? input.balance_id ?? "balance");
  return { success: true };
}
