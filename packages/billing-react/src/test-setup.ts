// Vitest setup for the billing-react project: unmount between tests (no
// globals, so Testing Library cannot register this itself).
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(() => cleanup());
