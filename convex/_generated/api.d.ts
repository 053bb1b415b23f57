/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as admins from "../admins.js";
import type * as auth from "../auth.js";
import type * as authPlugins from "../authPlugins.js";
import type * as billing_access from "../billing/access.js";
import type * as billing_admin from "../billing/admin.js";
import type * as billing_api from "../billing/api.js";
import type * as billing_autumn from "../billing/autumn.js";
import type * as billing_autumnErrors from "../billing/autumnErrors.js";
import type * as billing_cache from "../billing/cache.js";
import type * as billing_catalog from "../billing/catalog.js";
import type * as billing_catalogFill from "../billing/catalogFill.js";
import type * as billing_controls from "../billing/controls.js";
import type * as billing_controlsApi from "../billing/controlsApi.js";
import type * as billing_currency from "../billing/currency.js";
import type * as billing_customerAccess from "../billing/customerAccess.js";
import type * as billing_docs from "../billing/docs.js";
import type * as billing_eligibility from "../billing/eligibility.js";
import type * as billing_email from "../billing/email.js";
import type * as billing_entitlements from "../billing/entitlements.js";
import type * as billing_errorCodes from "../billing/errorCodes.js";
import type * as billing_errors from "../billing/errors.js";
import type * as billing_functions from "../billing/functions.js";
import type * as billing_host from "../billing/host.js";
import type * as billing_invoices from "../billing/invoices.js";
import type * as billing_limits from "../billing/limits.js";
import type * as billing_mapping from "../billing/mapping.js";
import type * as billing_meteredUsage from "../billing/meteredUsage.js";
import type * as billing_meteredWork from "../billing/meteredWork.js";
import type * as billing_metering from "../billing/metering.js";
import type * as billing_migration from "../billing/migration.js";
import type * as billing_notifications from "../billing/notifications.js";
import type * as billing_orgCreated from "../billing/orgCreated.js";
import type * as billing_outbox from "../billing/outbox.js";
import type * as billing_ownership from "../billing/ownership.js";
import type * as billing_ownershipGuard from "../billing/ownershipGuard.js";
import type * as billing_provisioning from "../billing/provisioning.js";
import type * as billing_purchase from "../billing/purchase.js";
import type * as billing_purchaseIntentRun from "../billing/purchaseIntentRun.js";
import type * as billing_purchaseIntents from "../billing/purchaseIntents.js";
import type * as billing_purchaseIntentsSchema from "../billing/purchaseIntentsSchema.js";
import type * as billing_reconcile from "../billing/reconcile.js";
import type * as billing_reservations_autumnCalls from "../billing/reservations/autumnCalls.js";
import type * as billing_reservations_crash from "../billing/reservations/crash.js";
import type * as billing_reservations_lease from "../billing/reservations/lease.js";
import type * as billing_reservations_leasing from "../billing/reservations/leasing.js";
import type * as billing_reservations_ledger from "../billing/reservations/ledger.js";
import type * as billing_reservations_machine from "../billing/reservations/machine.js";
import type * as billing_reservations_settle from "../billing/reservations/settle.js";
import type * as billing_reservations_store from "../billing/reservations/store.js";
import type * as billing_reservations_sweeper from "../billing/reservations/sweeper.js";
import type * as billing_resetRefresh from "../billing/resetRefresh.js";
import type * as billing_retention from "../billing/retention.js";
import type * as billing_seatChangeStore from "../billing/seatChangeStore.js";
import type * as billing_seatChanges from "../billing/seatChanges.js";
import type * as billing_seatChangesSchema from "../billing/seatChangesSchema.js";
import type * as billing_seats from "../billing/seats.js";
import type * as billing_spendSchema from "../billing/spendSchema.js";
import type * as billing_sync from "../billing/sync.js";
import type * as billing_topups from "../billing/topups.js";
import type * as billing_usage from "../billing/usage.js";
import type * as billing_views from "../billing/views.js";
import type * as billing_watcher from "../billing/watcher.js";
import type * as billing_webhook from "../billing/webhook.js";
import type * as billingHost from "../billingHost.js";
import type * as branding_branding from "../branding/branding.js";
import type * as chat_chat from "../chat/chat.js";
import type * as chat_models from "../chat/models.js";
import type * as crons from "../crons.js";
import type * as http from "../http.js";
import type * as members_members from "../members/members.js";
import type * as orgs_access from "../orgs/access.js";
import type * as orgs_billingHost from "../orgs/billingHost.js";
import type * as orgs_directory from "../orgs/directory.js";
import type * as orgs_errors from "../orgs/errors.js";
import type * as orgs_roles from "../orgs/roles.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";

declare const fullApi: ApiFromModules<{
  admins: typeof admins;
  auth: typeof auth;
  authPlugins: typeof authPlugins;
  "billing/access": typeof billing_access;
  "billing/admin": typeof billing_admin;
  "billing/api": typeof billing_api;
  "billing/autumn": typeof billing_autumn;
  "billing/autumnErrors": typeof billing_autumnErrors;
  "billing/cache": typeof billing_cache;
  "billing/catalog": typeof billing_catalog;
  "billing/catalogFill": typeof billing_catalogFill;
  "billing/controls": typeof billing_controls;
  "billing/controlsApi": typeof billing_controlsApi;
  "billing/currency": typeof billing_currency;
  "billing/customerAccess": typeof billing_customerAccess;
  "billing/docs": typeof billing_docs;
  "billing/eligibility": typeof billing_eligibility;
  "billing/email": typeof billing_email;
  "billing/entitlements": typeof billing_entitlements;
  "billing/errorCodes": typeof billing_errorCodes;
  "billing/errors": typeof billing_errors;
  "billing/functions": typeof billing_functions;
  "billing/host": typeof billing_host;
  "billing/invoices": typeof billing_invoices;
  "billing/limits": typeof billing_limits;
  "billing/mapping": typeof billing_mapping;
  "billing/meteredUsage": typeof billing_meteredUsage;
  "billing/meteredWork": typeof billing_meteredWork;
  "billing/metering": typeof billing_metering;
  "billing/migration": typeof billing_migration;
  "billing/notifications": typeof billing_notifications;
  "billing/orgCreated": typeof billing_orgCreated;
  "billing/outbox": typeof billing_outbox;
  "billing/ownership": typeof billing_ownership;
  "billing/ownershipGuard": typeof billing_ownershipGuard;
  "billing/provisioning": typeof billing_provisioning;
  "billing/purchase": typeof billing_purchase;
  "billing/purchaseIntentRun": typeof billing_purchaseIntentRun;
  "billing/purchaseIntents": typeof billing_purchaseIntents;
  "billing/purchaseIntentsSchema": typeof billing_purchaseIntentsSchema;
  "billing/reconcile": typeof billing_reconcile;
  "billing/reservations/autumnCalls": typeof billing_reservations_autumnCalls;
  "billing/reservations/crash": typeof billing_reservations_crash;
  "billing/reservations/lease": typeof billing_reservations_lease;
  "billing/reservations/leasing": typeof billing_reservations_leasing;
  "billing/reservations/ledger": typeof billing_reservations_ledger;
  "billing/reservations/machine": typeof billing_reservations_machine;
  "billing/reservations/settle": typeof billing_reservations_settle;
  "billing/reservations/store": typeof billing_reservations_store;
  "billing/reservations/sweeper": typeof billing_reservations_sweeper;
  "billing/resetRefresh": typeof billing_resetRefresh;
  "billing/retention": typeof billing_retention;
  "billing/seatChangeStore": typeof billing_seatChangeStore;
  "billing/seatChanges": typeof billing_seatChanges;
  "billing/seatChangesSchema": typeof billing_seatChangesSchema;
  "billing/seats": typeof billing_seats;
  "billing/spendSchema": typeof billing_spendSchema;
  "billing/sync": typeof billing_sync;
  "billing/topups": typeof billing_topups;
  "billing/usage": typeof billing_usage;
  "billing/views": typeof billing_views;
  "billing/watcher": typeof billing_watcher;
  "billing/webhook": typeof billing_webhook;
  billingHost: typeof billingHost;
  "branding/branding": typeof branding_branding;
  "chat/chat": typeof chat_chat;
  "chat/models": typeof chat_models;
  crons: typeof crons;
  http: typeof http;
  "members/members": typeof members_members;
  "orgs/access": typeof orgs_access;
  "orgs/billingHost": typeof orgs_billingHost;
  "orgs/directory": typeof orgs_directory;
  "orgs/errors": typeof orgs_errors;
  "orgs/roles": typeof orgs_roles;
}>;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {
  betterAuth: import("../betterAuth/_generated/component.js").ComponentApi<"betterAuth">;
};
