// A reactive Convex query that reports loading / error / data instead of
// throwing (useQuery throws errors into the nearest error boundary; billing
// UI wants to show a typed message in place). Accepts an optional reference,
// so optional API entries (e.g. getUsageHistory) can be skipped cleanly.
import { useQueries } from "convex/react";
import { getFunctionName, type FunctionArgs, type FunctionReference, type FunctionReturnType } from "convex/server";
import { convexToJson, type Value } from "convex/values";
import { useMemo } from "react";

export type QueryState<T> =
  | { status: "loading"; data: undefined; error: null }
  | { status: "error"; data: undefined; error: Error }
  | { status: "success"; data: T; error: null };

const LOADING = { status: "loading", data: undefined, error: null } as const;

export function useBillingQuery<Query extends FunctionReference<"query">>(
  query: Query | undefined,
  args: FunctionArgs<Query> | "skip",
): QueryState<FunctionReturnType<Query>> {
  const skip = query === undefined || args === "skip";
  const argsObject: Record<string, Value> = skip ? {} : (args as Record<string, Value>);
  const key = JSON.stringify(convexToJson(argsObject));
  // Keyed by function name and args by value, like useQuery: a fresh `api` object
  // or args literal on every render does not resubscribe.
  const name = query === undefined ? null : getFunctionName(query);
  const queries = useMemo(
    (): Parameters<typeof useQueries>[0] => (query === undefined || skip ? {} : { q: { query, args: argsObject } }),
    [name, skip, key],
  );
  const results = useQueries(queries);
  if (skip) return LOADING;
  const result: unknown = results.q;
  if (result === undefined) return LOADING;
  if (result instanceof Error) return { status: "error", data: undefined, error: result };
  return { status: "success", data: result as FunctionReturnType<Query>, error: null };
}
