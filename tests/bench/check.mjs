// ajv as tide-check's peer (tests/bench/check.sh): node check.mjs SCHEMA
// reads NDJSON on stdin and writes the records the draft 2020-12 schema
// passes, as tide-check does; the count that failed goes to stderr.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import Ajv2020 from "ajv/dist/2020.js";

const ajv = new Ajv2020({ allErrors: false, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(process.argv[2], "utf8")));
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
let out = [], failed = 0;
for await (const line of rl) {
	let ok = false;
	try {
		ok = validate(JSON.parse(line));
	} catch (e) {
		ok = false;
	}
	if (ok)
		out.push(line);
	else
		failed++;
	if (out.length >= 4096) {
		process.stdout.write(out.join("\n") + "\n");
		out = [];
	}
}
if (out.length)
	process.stdout.write(out.join("\n") + "\n");
process.stderr.write(`failed ${failed}\n`);
