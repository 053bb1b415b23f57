// Test helpers for apps using @billing/react: the fake Convex client, a
// BillingApi of plain function names, and fixtures shaped like the backend.
export { FakeConvexClient, createFakeConvex, type FakeCall } from "./fakeConvex";
export { createTestBillingApi } from "./testApi";
export * from "./fixtures";
