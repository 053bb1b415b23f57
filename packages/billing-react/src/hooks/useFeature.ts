// useFeature(featureId): may the org use this feature (for `required`
// units)? Reactive over checkFeature, which answers from the cache with
// Autumn's rules. `allowed` is false until the answer arrives; the server
// enforces regardless (the UI only mirrors its decision).
import { useBillingContext } from "../context";
import type { FeatureCheck } from "../types";
import { useBillingQuery } from "./useBillingQuery";

export interface UseFeatureResult {
  status: "loading" | "error" | "ready";
  isLoading: boolean;
  allowed: boolean;
  check: FeatureCheck | undefined;
  error: Error | null;
}

export function useFeature(featureId: string, options: { required?: number } = {}): UseFeatureResult {
  const { api } = useBillingContext();
  const args = options.required === undefined ? { featureId } : { featureId, required: options.required };
  const query = useBillingQuery(api.checkFeature, args);
  return {
    status: query.status === "success" ? "ready" : query.status,
    isLoading: query.status === "loading",
    allowed: query.status === "success" && query.data.allowed,
    check: query.data,
    error: query.error,
  };
}
