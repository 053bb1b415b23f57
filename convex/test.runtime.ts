// Vitest setup for the convex project (multi-dot name: never deployed).
// Every fetch the functions make fails the way the Convex runtime's fetch
// does (DOMException "AbortError" on timeout, a plain Error when the
// connection fails), not the way Node's does: see billing/runtimeFetch.helpers.ts.
import { installConvexRuntimeFetch } from "./billing/runtimeFetch.helpers";

installConvexRuntimeFetch();
