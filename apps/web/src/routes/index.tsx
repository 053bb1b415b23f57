// "/": send signed-in people to the dashboard, everyone else to sign-in.
import { createFileRoute, Navigate } from "@tanstack/react-router";
import { authClient } from "../lib/auth";

export const Route = createFileRoute("/")({ component: Home });

function Home() {
  const { data, isPending } = authClient.useSession();
  if (isPending) return <p className="center muted">Loading…</p>;
  return <Navigate to={data ? "/dashboard" : "/sign-in"} />;
}
