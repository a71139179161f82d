// Real SDKs from npm against the real collector: @segment/analytics-node and
// @rudderstack/rudder-sdk-node send events to `opentrack serve`, and
// @google-cloud/bigquery reads the rows back from the emulator it loads into.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { BigQuery } from '@google-cloud/bigquery';

const BINARY = process.env.OPENTRACK_BINARY;
const PROJECT = 'clients-project';
const DATASET = 'clients';
const WRITE_KEY = 'clients-write-key';
const dir = mkdtempSync(join(tmpdir(), 'opentrack-clients-'));
const children = [];
let collectorUrl;
let bigquery;

async function waitForPort(file) {
  for (let i = 0; i < 300; i++) {
    if (existsSync(file)) {
      const port = parseInt(readFileSync(file, 'utf8'), 10);
      if (port > 0) return port;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no port in ${file}`);
}

function start(args, env) {
  const child = spawn(BINARY, args, { env: { ...process.env, ...env }, stdio: 'inherit' });
  children.push(child);
  return child;
}

async function waitForRows(sql, expected) {
  let rows = [];
  for (let i = 0; i < 120; i++) {
    try {
      [rows] = await bigquery.query({ query: sql, useLegacySql: false });
      if (rows.length >= expected) return rows;
    } catch (e) {
      // The table may not exist yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return rows;
}

before(async () => {
  assert.ok(BINARY, 'OPENTRACK_BINARY must point at the opentrack binary');
  start(['emulator', '--port', '0', '--port-file', join(dir, 'emulator.port'),
         '--db', join(dir, 'emulator.sqlite')], {});
  const emulatorPort = await waitForPort(join(dir, 'emulator.port'));
  start(['serve', '--port', '0', '--port-file', join(dir, 'collector.port')], {
    BIGQUERY_PROJECT_ID: PROJECT,
    BIGQUERY_DATASET: DATASET,
    BIGQUERY_EMULATOR_HOST: `127.0.0.1:${emulatorPort}`,
    WRITE_KEY,
    OPENTRACK_DATA_DIR: join(dir, 'collector'),
    OPENTRACK_BATCH_MAX_AGE_MS: '200',
  });
  collectorUrl = `http://127.0.0.1:${await waitForPort(join(dir, 'collector.port'))}`;
  // No credentials: with METADATA_SERVER_DETECTION=none (set by CTest) the
  // client talks to the emulator unauthenticated.
  bigquery = new BigQuery({ projectId: PROJECT, apiEndpoint: `http://127.0.0.1:${emulatorPort}` });
});

after(() => {
  for (const child of children) child.kill('SIGKILL');
});

test('@segment/analytics-node events land in Segment tables', async () => {
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: collectorUrl, flushAt: 5, maxRetries: 3 });
  analytics.identify({ userId: 'seg-user-1', traits: { email: 'ada@example.com', plan: 'pro', logins: 3 } });
  for (let i = 0; i < 5; i++) {
    analytics.track({ userId: 'seg-user-1', event: 'Order Completed',
                      properties: { orderId: `o-${i}`, total: 10.5 + i, items: i, coupon: null } });
  }
  analytics.page({ userId: 'seg-user-1', name: 'Home', category: 'Docs',
                   properties: { path: '/', title: 'Home' } });
  analytics.group({ userId: 'seg-user-1', groupId: 'acme', traits: { employeeCount: 42 } });
  analytics.alias({ userId: 'seg-user-1', previousId: 'anon-1' });
  await analytics.closeAndFlush();

  const orders = await waitForRows(
    `SELECT order_id, total, items, event, event_text FROM \`${PROJECT}.${DATASET}.order_completed\` ORDER BY order_id`, 5);
  assert.equal(orders.length, 5);
  assert.equal(orders[0].order_id, 'o-0');
  assert.equal(orders[0].event, 'order_completed');
  assert.equal(orders[0].event_text, 'Order Completed');
  assert.equal(orders[1].total, 11.5);

  const [meta] = await bigquery.dataset(DATASET).table('order_completed').getMetadata();
  const types = Object.fromEntries(meta.schema.fields.map((f) => [f.name, f.type]));
  assert.equal(types.total, 'FLOAT');
  assert.equal(types.items, 'INTEGER');
  assert.equal(types.order_id, 'STRING');
  assert.equal(types.received_at, 'TIMESTAMP');
  assert.equal(types.coupon, undefined);  // null never creates a column

  const users = await waitForRows(`SELECT id, email, logins FROM \`${PROJECT}.${DATASET}.users\``, 1);
  assert.equal(users[0].id, 'seg-user-1');
  assert.equal(users[0].email, 'ada@example.com');
  const pages = await waitForRows(`SELECT name, category, path FROM \`${PROJECT}.${DATASET}.pages\``, 1);
  assert.deepEqual([pages[0].name, pages[0].category, pages[0].path], ['Home', 'Docs', '/']);
  const groups = await waitForRows(`SELECT group_id, employee_count FROM \`${PROJECT}.${DATASET}.groups\``, 1);
  assert.equal(groups[0].group_id, 'acme');
  const aliases = await waitForRows(`SELECT previous_id, user_id FROM \`${PROJECT}.${DATASET}.aliases\``, 1);
  assert.equal(aliases[0].previous_id, 'anon-1');
});

test('@rudderstack/rudder-sdk-node gzip batches land in Segment tables', async () => {
  const client = new RudderAnalytics(WRITE_KEY, { dataPlaneUrl: collectorUrl, flushAt: 3, logLevel: 'error' });
  for (let i = 0; i < 3; i++) {
    client.track({ anonymousId: `rudder-anon-${i}`, event: 'Rudder Clicked',
                   properties: { buttonId: `b${i}`, isPrimary: i === 0 } });
  }
  client.screen({ userId: 'rudder-user', name: 'Feed', properties: { 'Feed Type': 'private' } });
  await new Promise((resolve) => client.flush(resolve));

  const clicks = await waitForRows(
    `SELECT anonymous_id, button_id, is_primary FROM \`${PROJECT}.${DATASET}.rudder_clicked\` ORDER BY button_id`, 3);
  assert.equal(clicks.length, 3);
  assert.equal(clicks[0].button_id, 'b0');
  assert.equal(clicks[0].is_primary, true);
  const screens = await waitForRows(`SELECT name, feed_type FROM \`${PROJECT}.${DATASET}.screens\``, 1);
  assert.equal(screens[0].feed_type, 'private');
});
