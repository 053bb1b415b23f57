// useBillingTask(): run one billing action from a button with its pending
// state and a described error (message + action) to show in place.
import { useCallback, useRef, useState } from "react";
import type { BillingErrorInfo } from "../errors";
import { useBillingErrors } from "./useBillingErrors";

export interface BillingTask {
  pending: boolean;
  error: BillingErrorInfo | null;
  /** Runs `task`; resolves to its result, or undefined when it failed (the error is kept). */
  run: <T>(task: () => Promise<T>) => Promise<T | undefined>;
  reset: () => void;
}

export function useBillingTask(): BillingTask {
  const { describe } = useBillingErrors();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<BillingErrorInfo | null>(null);
  const inFlight = useRef(false);

  const run = useCallback(async <T,>(task: () => Promise<T>): Promise<T | undefined> => {
    if (inFlight.current) return undefined; // double clicks start nothing twice
    inFlight.current = true;
    setPending(true);
    setError(null);
    try {
      return await task();
    } catch (err) {
      setError(describe(err));
      return undefined;
    } finally {
      inFlight.current = false;
      setPending(false);
    }
  }, [describe]);

  const reset = useCallback(() => setError(null), []);
  return { pending, error, run, reset };
}
