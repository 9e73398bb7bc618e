// Runs one SQL statement in an in-memory DuckDB (@duckdb/node-api), for
// tests/bench/duckdb.sh: node duckdb.mjs 'COPY (...) TO ...'.  The result
// goes to a file by COPY, so no row is carried into JavaScript.
import { DuckDBInstance } from '@duckdb/node-api';

const [sql] = process.argv.slice(2);
if (!sql) {
	console.error('usage: node duckdb.mjs SQL');
	process.exit(64);
}
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(sql);
