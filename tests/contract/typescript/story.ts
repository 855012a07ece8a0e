// The main story written against the TypeScript types that openapi-typescript generates from
// openapi/openapi.json (.ci/clients.sh puts them beside this file as handover.d.ts). `tsc --noEmit`
// fails when the document stops describing what this code relies on.
import type { components, operations, paths } from "./handover";

type Schemas = components["schemas"];
type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;

const member: Schemas["MemberCreate"] = {
  name: "Ada Lovelace",
  email: "ada@vendor.example",
  role: "project_manager",
};

const deal: paths["/v1/deals"]["post"]["requestBody"]["content"]["application/json"] = {
  external_id: "D-10042",
  name: "Globex CRM rollout",
  customer: { external_id: "C-77", name: "Globex" },
  amount: "120000.00",
  currency: "EUR",
};

type Pushed = Json<operations["push_deal"]["responses"][201]>;
type Status = Json<operations["get_project_status"]["responses"][200]>;
type Events = Json<operations["list_events"]["responses"][200]>;
type Problem = operations["create_risk"]["responses"][422]["content"]["application/problem+json"];

function projectOf(pushed: Pushed): string | null {
  return pushed.project_id;
}

function openRisks(status: Status): number {
  return status.open_risk_count;
}

function alertsIn(events: Events): string[] {
  return events.items.filter((event) => event.type === "risk.alert").map((event) => event.id);
}

function explain(problem: Problem): string {
  return `${problem.status} ${problem.title}: ${problem.detail ?? ""}`;
}

const risk: Schemas["RiskCreate"] = {
  title: "Customer's SSO team unavailable in January",
  category: "resource",
  probability: 4,
  impact: 4,
  response: "mitigate",
  mitigation_plan: "Book their SSO engineer for the first week of December.",
};

export { alertsIn, deal, explain, member, openRisks, projectOf, risk };
