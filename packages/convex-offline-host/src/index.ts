// Development-only Convex host on convex-test's engine (see host.ts).
export { startOfflineHost, BANNER, type OfflineHost, type OfflineHostOptions } from "./host.js";
export { encodeTs, decodeTs, canonicalizeUdfPath } from "./protocol.js";
export { wipeHostData } from "./persist.js";
