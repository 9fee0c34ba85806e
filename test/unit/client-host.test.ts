import * as assert from 'assert';
import { accountsHostFor, DatabricksError, describeError, detectCloud, normalizeHost } from '../../src/databricks';

describe('client: host normalisation', () => {
  const table: [string, string][] = [
    ['adb-123.4.azuredatabricks.net', 'https://adb-123.4.azuredatabricks.net'],
    ['https://adb-123.4.azuredatabricks.net/', 'https://adb-123.4.azuredatabricks.net'],
    ['https://adb-123.4.azuredatabricks.net/?o=123#job/42', 'https://adb-123.4.azuredatabricks.net'],
    ['  https://Dbc-AB12.cloud.databricks.com/jobs/42/tasks?x=1  ', 'https://dbc-ab12.cloud.databricks.com'],
    ['https://example.gcp.databricks.com:8443/some/path', 'https://example.gcp.databricks.com:8443'],
    ['https://example.cloud.databricks.com:443/', 'https://example.cloud.databricks.com'],
    ['http://127.0.0.1:54321', 'http://127.0.0.1:54321'],
    ['http://127.8.9.10:80/api', 'http://127.8.9.10'],
    ['http://localhost:3000/', 'http://localhost:3000'],
    ['http://[::1]:8080/x', 'http://[::1]:8080'],
    ['127.0.0.1:9999', 'https://127.0.0.1:9999'],
    ['my-private-host.internal', 'https://my-private-host.internal'],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.strictEqual(normalizeHost(input), expected));
  }

  const rejected: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['http://adb-1.2.azuredatabricks.net', /https/],
    ['http://10.0.0.5:8080', /https/],
    ['ftp://example.com', /https/],
    ['https://', /not a valid|no host/],
  ];
  for (const [input, why] of rejected) {
    it(`rejects ${JSON.stringify(input)} with kind config`, () => {
      assert.throws(
        () => normalizeHost(input),
        (e: unknown) => e instanceof DatabricksError && e.kind === 'config' && why.test(e.message) && describeError(e) === e.message,
      );
    });
  }
});

describe('client: cloud and account host detection', () => {
  const table: [string, ReturnType<typeof detectCloud>, string | undefined][] = [
    ['https://adb-123.4.azuredatabricks.net', 'azure', 'https://accounts.azuredatabricks.net'],
    ['https://adb-1.2.databricks.azure.us', 'azure', 'https://accounts.azuredatabricks.us'],
    ['https://adb-1.2.databricks.azure.cn', 'azure', 'https://accounts.azuredatabricks.cn'],
    ['https://1234.5.gcp.databricks.com', 'gcp', 'https://accounts.gcp.databricks.com'],
    ['https://dbc-1.cloud.databricks.com', 'aws', 'https://accounts.cloud.databricks.com'],
    ['https://dbc-1.cloud.databricks.us', 'aws', 'https://accounts.cloud.databricks.us'],
    ['http://127.0.0.1:4000', 'unknown', undefined],
    ['example.com', 'unknown', undefined],
  ];
  for (const [host, cloud, accounts] of table) {
    it(`${host} is ${cloud}`, () => {
      assert.strictEqual(detectCloud(host), cloud);
      assert.strictEqual(accountsHostFor(host), accounts);
    });
  }
});
