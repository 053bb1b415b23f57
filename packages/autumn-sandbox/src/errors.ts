// Autumn's error contract: every failure is `{message, code, env}` with the
// HTTP status Autumn uses for it (autumn-api.md §1.4). Handlers throw
// ApiError; the server turns it into that body. Expected states (not found,
// already attached, duplicate key) are never 5xx, because a fail-open client
// would read a 5xx on check as "allowed".

export type ApiErrorCode =
  | "invalid_inputs"
  | "invalid_request"
  | "no_secret_key"
  | "invalid_secret_key"
  | "customer_not_found"
  | "entity_not_found"
  | "feature_not_found"
  | "product_not_found"
  | "plan_already_attached"
  | "duplicate_idempotency_key"
  | "customer_already_exists"
  | "entity_already_exists"
  | "feature_already_exists"
  | "duplicate_feature_id"
  | "currency_mismatch"
  | "invalid_product_item"
  | "product_already_exists"
  | "lock_already_exists"
  | "rate_limited"
  | "internal_error"
  | "service_unavailable"
  | "not_found";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const notFound = {
  customer: (id: string) => new ApiError(404, "customer_not_found", `Customer ${id} not found`),
  entity: (id: string) => new ApiError(404, "entity_not_found", `Entity ${id} not found`),
  feature: (id: string) => new ApiError(404, "feature_not_found", `Feature ${id} not found`),
  plan: (id: string) => new ApiError(404, "product_not_found", `Plan ${id} not found`),
};

export const invalid = (message: string) => new ApiError(400, "invalid_inputs", message);
export const badRequest = (message: string) => new ApiError(400, "invalid_request", message);
