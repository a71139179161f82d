// Real-client test: the official Node.js BigQuery client against the
// emulator. BIGQUERY_EMULATOR_ENDPOINT is set by emulator_test_server
// (see src/emulator/CMakeLists.txt).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {BigQuery} from '@google-cloud/bigquery';

const endpoint = process.env.BIGQUERY_EMULATOR_ENDPOINT;
// Keep google-auth-library from probing the GCE metadata server: the test
// machines have no network beyond loopback.
process.env.METADATA_SERVER_DETECTION = 'none';

test('@google-cloud/bigquery works against the emulator', {skip: !endpoint && 'BIGQUERY_EMULATOR_ENDPOINT is not set'}, async () => {
  // A non-default apiEndpoint makes the client skip Google auth.
  const bigquery = new BigQuery({projectId: 'emulator-project', apiEndpoint: endpoint});

  const [dataset] = await bigquery.createDataset('node_ds', {location: 'US'});
  assert.equal(dataset.id, 'node_ds');

  const schema = [
    {name: 'id', type: 'STRING', mode: 'REQUIRED'},
    {name: 'n', type: 'INT64'},
    {name: 'received_at', type: 'TIMESTAMP'},
  ];
  const [table] = await dataset.createTable('events', {schema});
  const [metadata] = await table.getMetadata();
  assert.deepEqual(metadata.schema.fields.map(f => f.type), ['STRING', 'INTEGER', 'TIMESTAMP']);

  await table.insert([
    {id: 'a', n: 1, received_at: '2024-01-01T00:00:00.123456Z'},
    {id: 'b', n: 2, received_at: '2024-01-02T12:30:00Z'},
  ]);

  // A bad row comes back as a PartialFailureError with the row-level reason.
  await assert.rejects(table.insert([{id: 'c', n: 'not a number'}]), err => {
    assert.equal(err.name, 'PartialFailureError');
    assert.equal(err.errors[0].errors[0].reason, 'invalid');
    return true;
  });

  const [rows] = await table.getRows();
  assert.equal(rows.length, 2);
  const a = rows.find(r => r.id === 'a');
  assert.equal(a.n, 1);
  assert.equal(a.received_at.value, '2024-01-01T00:00:00.123456000Z');

  const [result] = await bigquery.query({
    query: 'SELECT id, received_at, TIMESTAMP_TRUNC(received_at, DAY) AS day ' +
        'FROM `emulator-project.node_ds.events` ORDER BY id',
  });
  assert.equal(result.length, 2);
  assert.equal(result[1].id, 'b');
  assert.equal(result[1].received_at.value, '2024-01-02T12:30:00.000Z');
  assert.equal(result[1].day.value, '2024-01-02T00:00:00.000Z');

  // Errors carry BigQuery's reason.
  await assert.rejects(dataset.table('missing').getMetadata(), err => {
    assert.equal(err.code, 404);
    return true;
  });
});
