// maas from Node.js with node-postgres (npm "pg"); prints TAP.  Connects with
// the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE) to a database
// where maas and the datasets of data/ are installed (test/suite/drivers.sh).
'use strict';
const { Client } = require('pg');

let n = 0;
function check(cond, what) {
  n += 1;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - node: ${what}`);
}

async function expectError(client, sql, params, sqlstate, what) {
  try {
    await client.query(sql, params);
    check(false, `${what}: no error`);
  } catch (e) {
    check(e.code === sqlstate, `${what}: error ${e.code} (${e.message})`);
  }
}

async function main() {
  const client = new Client();
  await client.connect();
  try {
    let r = await client.query('SELECT version, task FROM maas_train($1, $2, $3, $4, $5)',
      ['js_iris', 'logistic_regression', 'iris', 'species', { C: 10 }]);
    check(r.rows[0].version === 1 && r.rows[0].task === 'multiclass',
      `maas_train returns version 1 of a multiclass model (${JSON.stringify(r.rows[0])})`);

    // bound parameters: a float8[] from an array, a row from an object
    const setosa = [5.1, 3.5, 1.4, 0.2];
    const virginica = { sepal_length: 7.7, sepal_width: 3.0, petal_length: 6.1, petal_width: 2.3 };
    r = await client.query('SELECT maas_predict_class($1, $2::float8[]) AS c', ['js_iris', setosa]);
    check(r.rows[0].c === 'setosa', `maas_predict_class of a JavaScript array: ${r.rows[0].c}`);
    r = await client.query('SELECT maas_predict_class($1, jsonb_populate_record(NULL::iris, $2)) AS c',
      ['js_iris', virginica]);
    check(r.rows[0].c === 'virginica', `maas_predict_class of a row made from an object: ${r.rows[0].c}`);

    // _proba as a native array of numbers
    r = await client.query('SELECT maas_predict_proba($1, $2::float8[]) AS p', ['js_iris', setosa]);
    const proba = r.rows[0].p;
    check(Array.isArray(proba) && proba.length === 3 && proba.every((p) => typeof p === 'number'),
      `maas_predict_proba is an array of 3 numbers: ${JSON.stringify(proba)}`);
    check(Math.abs(proba.reduce((a, b) => a + b, 0) - 1) < 1e-12 && proba[0] === Math.max(...proba),
      'the probabilities sum to 1 and setosa (the first class) is the most likely');

    // download the model's bytes, predict from them inline
    r = await client.query('SELECT model FROM maas.models WHERE name = $1 AND version = 1', ['js_iris']);
    const model = r.rows[0].model;
    check(Buffer.isBuffer(model) && model.subarray(0, 4).toString() === 'MAAS',
      `the model downloads as a Buffer of ${model.length} bytes starting MAAS`);
    r = await client.query('SELECT maas_predict_proba($1::bytea, $2::float8[]) AS p', [model, setosa]);
    check(JSON.stringify(r.rows[0].p) === JSON.stringify(proba),
      'maas_predict_proba of the downloaded bytes equals the named model\'s');

    // a regression value: the same double as the server's text output
    await client.query("SELECT maas_train('js_diabetes', 'linear_regression', 'diabetes', 'progression')");
    const x = [59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87];
    r = await client.query('SELECT maas_predict($1, $2::float8[]) AS v, maas_predict($1, $2::float8[])::text AS t',
      ['js_diabetes', x]);
    check(typeof r.rows[0].v === 'number' && r.rows[0].v === Number(r.rows[0].t),
      `maas_predict returns a number: ${r.rows[0].v}`);

    // bad calls reject with the server's SQLSTATE in err.code
    await expectError(client, 'SELECT maas_predict($1, $2::float8[])', ['no_such_model', setosa], '42704',
      'an unknown model');
    await expectError(client, "SELECT maas_train('js_bad', 'logistic_regression', 'iris', 'species', $1)",
      [{ C: 'high' }], '22023', 'a bad param');
    await expectError(client, 'SELECT maas_predict($1, $2::float8[])', ['js_iris', [1, 2]], '22000',
      'a wrong feature count');
  } finally {
    await client.end();
  }
  console.log(`1..${n}`);
}

main().catch((e) => {
  console.log(`not ok ${n + 1} - node: ${e.stack}`);
  process.exit(1);
});
