// Breaking changes between two OpenAPI documents, classified by api-smart-diff (npm):
//   node .ci/contract-diff.mjs BEFORE.json AFTER.json
// Exits 1 when AFTER breaks clients of BEFORE (a removed operation, a removed response field, a
// newly required request field, a narrowed type…) and info.version was not bumped.
//
// Component schemas are inlined first: a schema under /components has no direction, so the tool
// would call every added response field "breaking"; inlined, each change is judged where it is
// used (request or response). Two rules of ours sit on top (docs/contract.md: Versioning): a value
// added to an enum in a *response* is not breaking, since clients must tolerate unknown values; a
// scope added to an operation's security requirement is, since a key that had it all is refused
// (the tool calls that "non-breaking": it reads any added security detail as one more option).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(new URL("./node/", import.meta.url));
const { apiCompare } = require("api-smart-diff");
const PREFIX = "#/components/schemas/";

function inlineSchemas(document) {
  const schemas = document.components?.schemas ?? {};
  const walk = (node, seen) => {
    if (Array.isArray(node)) return node.map((item) => walk(item, seen));
    if (node === null || typeof node !== "object") return node;
    if (typeof node.$ref === "string" && node.$ref.startsWith(PREFIX)) {
      const name = node.$ref.slice(PREFIX.length);
      // A schema that contains itself stays a reference below its first appearance.
      if (seen.includes(name) || !(name in schemas)) return node;
      return walk(schemas[name], [...seen, name]);
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value, seen)]));
  };
  const { components = {}, ...rest } = document;
  const { schemas: _inlined, ...others } = components;
  return { ...walk(rest, []), components: walk(others, []) };
}

function addsResponseEnumValue(diff) {
  const path = diff.path.map(String);
  const enumAt = path.lastIndexOf("enum");
  return diff.action === "add" && path.includes("responses") && enumAt === path.length - 2;
}

function addsRequiredScope(diff) {
  const path = diff.path.map(String);
  const at = path.indexOf("security");
  return diff.action === "add" && at !== -1 && path.length === at + 4;
}

const [before, after] = process.argv.slice(2).map((path) => JSON.parse(readFileSync(path, "utf8")));
const { diffs } = apiCompare(inlineSchemas(before), inlineSchemas(after));
const breaking = diffs.filter(
  (diff) => (diff.type === "breaking" && !addsResponseEnumValue(diff)) || addsRequiredScope(diff),
);
for (const diff of breaking) {
  console.log(`breaking: ${diff.action} /${diff.path.join("/")}${diff.description ? ` (${diff.description})` : ""}`);
}
const bumped = before.info.version !== after.info.version;
console.log(
  `${diffs.length} changes, ${breaking.length} breaking; info.version ${before.info.version}` +
    (bumped ? ` -> ${after.info.version}` : " unchanged"),
);
if (breaking.length && !bumped) {
  console.log("Breaking changes need a new info.version (docs/contract.md: Versioning).");
  process.exit(1);
}
