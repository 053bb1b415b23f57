/// <reference types="vite/client" />
// convex-test's module map: every function module (multi-dot files excluded, as Convex does).
export const modules = import.meta.glob(["./**/*.{ts,js}", "!./**/*.*.*"]);
