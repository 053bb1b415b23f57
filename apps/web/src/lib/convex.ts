// One Convex client for the app: a real deployment (VITE_CONVEX_URL) or the
// offline development host.
import { billingAwareLogger } from "@billing/react";
import { ConvexReactClient } from "convex/react";

export const convexUrl = (import.meta.env.VITE_CONVEX_URL as string | undefined) ?? "http://127.0.0.1:3212";
// Typed billing refusals (QUOTA_EXCEEDED, FORBIDDEN, …) are shown by the app, not logged as uncaught errors.
export const convex = new ConvexReactClient(convexUrl, { verbose: false, logger: billingAwareLogger() });
