import { cronJobs, makeFunctionReference } from "convex/server";

const crons = cronJobs();
crons.interval("tick", { hours: 1 }, makeFunctionReference<"mutation", Record<string, never>, null>("messages:tick"), {});
export default crons;
