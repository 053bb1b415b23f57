// The app's own errors (auth, membership, demo features): ConvexError with a
// `code`, the same shape as the billing module's, but never billingError —
// billing codes mean billing failed. Codes the app shares in spirit with
// billing (UNAUTHENTICATED, FORBIDDEN, …) keep the same spelling so one UI
// reader (`billingErrorOf`) shows both.
import { ConvexError } from "convex/values";

export const APP_ERROR_CODES = [
  "UNAUTHENTICATED",
  "NO_ACTIVE_ORGANIZATION",
  "FORBIDDEN",
  "INVALID_ARGUMENT",
  "CONFLICT",
] as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export interface AppErrorData {
  code: AppErrorCode;
  message: string;
  [key: string]: string | number | boolean | null;
}

export function appError(
  code: AppErrorCode,
  message: string,
  extra: Record<string, string | number | boolean | null> = {},
): ConvexError<AppErrorData> {
  return new ConvexError<AppErrorData>({ ...extra, code, message });
}
