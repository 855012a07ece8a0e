// Breaking changes between two OpenAPI documents, classified by api-smart-diff (npm):
//   node .ci/contract-diff.mjs BEFORE.json AFTER.json
// Exits 1 when AFTER breaks clients of BEFORE (a removed operation, a removed response field, a
// newly required request field, a narrowed type…) and info.version was not bumped.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(new URL("./node/", import.meta.url));
const { apiCompare } = require("api-smart-diff");

const [before, after] = process.argv.slice(2).map((path) => JSON.parse(readFileSync(path, "utf8")));
const { diffs } = apiCompare(before, after);
const breaking = diffs.filter((diff) => diff.type === "breaking");
for (const diff of breaking) {
  console.log(`breaking: ${diff.action} /${diff.path.join("/")}${diff.description ? ` (${diff.description})` : ""}`);
}
const bumped = before.info.version !== after.info.version;
console.log(
  `${diffs.length} changes, ${breaking.length} breaking; info.version ${before.info.version}` +
    (bumped ? ` -> ${after.info.version}` : " unchanged"),
);
if (breaking.length && !bumped) {
  console.log("Breaking changes need a new info.version (README: Versioning).");
  process.exit(1);
}
