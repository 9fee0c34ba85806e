import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { bypassesProxy, buildAgents } from '../../src/vscode/network';

describe('network agents from VS Code proxy settings', function () {
  let proxy: http.Server;
  let proxyUrl: string;
  const tunnels: string[] = [];

  before(async () => {
    // With http.proxySupport "override" VS Code swaps in its own proxy agent for non-loopback hosts;
    // "off" leaves the agents the extension builds in charge, which is what these tests exercise.
    await vscode.workspace.getConfiguration('http').update('proxySupport', 'off', vscode.ConfigurationTarget.Global);
    // A proxy that records CONNECT targets and refuses them: enough to prove the tunnel is asked for.
    proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, socket) => {
      tunnels.push(String(req.url));
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  after(async () => {
    await vscode.workspace.getConfiguration('http').update('proxySupport', undefined, vscode.ConfigurationTarget.Global);
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });

  it('never proxies loopback and honours http.noProxy domains', () => {
    assert.equal(bypassesProxy('http://127.0.0.1:8765', []), true);
    assert.equal(bypassesProxy('https://localhost', []), true);
    assert.equal(bypassesProxy('https://adb-1.2.azuredatabricks.net', ['azuredatabricks.net']), true);
    assert.equal(bypassesProxy('https://adb-1.2.azuredatabricks.net', ['.azuredatabricks.net']), true);
    assert.equal(bypassesProxy('https://dbc-1.cloud.databricks.com', ['azuredatabricks.net']), false);
  });

  it('tunnels https through the proxy with CONNECT and explains a refusal', async () => {
    const agents = await buildAgents({ proxy: proxyUrl, noProxy: [], strictSSL: true }, 'https://dbc-1.cloud.databricks.com');
    const error = await new Promise<Error>((resolve) => {
      const req = https.request({ host: 'dbc-1.cloud.databricks.com', port: 443, path: '/', agent: agents.httpsAgent }, () => resolve(new Error('unexpected response')));
      req.on('error', resolve);
      req.end();
    });
    assert.deepEqual(tunnels, ['dbc-1.cloud.databricks.com:443']);
    assert.match(error.message, /proxy refused the tunnel.*403/);
  });

  it('reaches an https server through a working tunnel, trusting zipher.caFile', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zipher-tls-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
    const target = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (_req, res) => res.end('through the tunnel'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const targetPort = (target.address() as AddressInfo).port;
    const relay = http.createServer();
    const seen: string[] = [];
    relay.on('connect', (req, client) => {
      seen.push(String(req.url));
      const upstream = net.connect(targetPort, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const agents = await buildAgents(
        { proxy: `127.0.0.1:${(relay.address() as AddressInfo).port}`, noProxy: [], strictSSL: true, caFile: cert },
        'https://dbc-1.cloud.databricks.com',
      );
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get({ host: 'localhost', port: targetPort, path: '/', agent: agents.httpsAgent }, (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      assert.equal(body, 'through the tunnel');
      assert.deepEqual(seen, [`localhost:${targetPort}`]);
      agents.httpsAgent.destroy();
    } finally {
      relay.closeAllConnections?.();
      target.closeAllConnections?.();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      await new Promise<void>((resolve) => target.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing CA file fails with one sentence naming the setting', async () => {
    await assert.rejects(buildAgents({ noProxy: [], strictSSL: true, caFile: '/nonexistent/ca.pem' }), /zipher\.caFile.*ENOENT/);
  });

  it('http.proxyStrictSSL=false turns certificate checks off, and only then', async () => {
    const strict = await buildAgents({ noProxy: [], strictSSL: true });
    const lax = await buildAgents({ noProxy: [], strictSSL: false });
    assert.equal(strict.httpsAgent.options.rejectUnauthorized, true);
    assert.equal(lax.httpsAgent.options.rejectUnauthorized, false);
  });
});
