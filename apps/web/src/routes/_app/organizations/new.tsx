// A further organization (the switcher's "+ New organization").
import { createFileRoute, useNavigate } from "@tanstack/react-router";
import { CreateOrganization } from "../../../components/CreateOrganization";

export const Route = createFileRoute("/_app/organizations/new")({ component: NewOrganization });

function NewOrganization() {
  const navigate = useNavigate();
  return <CreateOrganization onCreated={() => void navigate({ to: "/dashboard" })} />;
}
