// Test-only (multi-dot name: never deployed). A `fetch` that fails the way
// the Convex runtime's does, not the way Node's does (platform-notes §10):
//
//   what happened                 Node / undici                 Convex runtime (V8)
//   timeout (AbortSignal.timeout)  DOMException "TimeoutError"   DOMException "AbortError"
//   connection refused / reset     TypeError "fetch failed"      plain Error
//
// autumn-js turns these into RequestTimeoutError / ConnectionError (Node) and
// RequestAbortedError / UnexpectedClientError (Convex). The convex test
// project installs this as the global fetch (convex/test.runtime.ts), so every
// Autumn call in every billing test sees Convex's shapes; autumn.test.ts also
// injects it explicitly through createAutumn({ fetch }).

type Fetch = typeof globalThis.fetch;

const MARK = Symbol.for("billing.convexRuntimeFetch");

function signalOf(input: Request | string | URL, init?: RequestInit): AbortSignal | null {
  if (init?.signal) return init.signal;
  return typeof input === "object" && "signal" in input ? input.signal : null;
}

function urlOf(input: Request | string | URL): string {
  return typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
}

/** Wrap `inner` so its failures take the Convex runtime's shapes. */
export function convexRuntimeFetch(inner: Fetch): Fetch {
  if ((inner as { [MARK]?: boolean })[MARK]) return inner;
  const wrapped: Fetch = async (input, init) => {
    try {
      return await inner(input, init);
    } catch (err) {
      const name = typeof err === "object" && err !== null ? (err as { name?: unknown }).name : undefined;
      if (signalOf(input, init)?.aborted || name === "AbortError" || name === "TimeoutError") {
        throw new DOMException("The operation was aborted.", "AbortError");
      }
      // The runtime reports a failed connection as a plain Error with the reqwest/hyper text.
      throw new Error(`error sending request for url (${urlOf(input)}): client error (Connect)`);
    }
  };
  (wrapped as { [MARK]?: boolean })[MARK] = true;
  return wrapped;
}

const NATIVE = Symbol.for("billing.nativeFetch");

/** The environment's own fetch (Node's/undici's failure shapes), even after install. */
export function nativeFetch(): Fetch {
  const g = globalThis as { [NATIVE]?: Fetch };
  return g[NATIVE] ?? globalThis.fetch.bind(globalThis);
}

/** Replace the global fetch with the Convex-shaped one (idempotent). */
export function installConvexRuntimeFetch(): void {
  const current: Fetch & { [MARK]?: boolean } = globalThis.fetch;
  if (current[MARK]) return;
  (globalThis as { [NATIVE]?: Fetch })[NATIVE] = current.bind(globalThis);
  globalThis.fetch = convexRuntimeFetch(current.bind(globalThis));
}
