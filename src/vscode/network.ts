import * as fs from 'fs/promises';
import * as http from 'http';
import * as https from 'https';
import type { Duplex } from 'stream';
import * as tls from 'tls';
import type { NetworkSettings } from './settings';

export interface Agents {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
}

/**
 * Builds the client's agents from VS Code's proxy settings and `zipher.caFile`. The client runs
 * axios with `proxy: false`, so these agents are the only way traffic leaves.
 */
export async function buildAgents(settings: NetworkSettings, targetHost?: string): Promise<Agents> {
  const tlsOptions: https.AgentOptions = { keepAlive: true, rejectUnauthorized: settings.strictSSL };
  if (settings.caFile) {
    let extra: string;
    try {
      extra = await fs.readFile(settings.caFile, 'utf8');
    } catch (e) {
      throw new Error(`Could not read the CA file in zipher.caFile (${settings.caFile}): ${(e as NodeJS.ErrnoException).code ?? 'read error'}.`);
    }
    tlsOptions.ca = [...tls.rootCertificates, extra];
  }
  const httpAgent = new http.Agent({ keepAlive: true });
  const proxy = settings.proxy && !(targetHost && bypassesProxy(targetHost, settings.noProxy)) ? parseProxy(settings.proxy) : undefined;
  const httpsAgent: https.Agent = proxy ? new ConnectTunnelAgent(proxy, tlsOptions) : new https.Agent(tlsOptions);
  return { httpAgent, httpsAgent };
}

interface ProxyTarget {
  host: string;
  port: number;
  secure: boolean;
  authorization?: string;
}

function parseProxy(value: string): ProxyTarget {
  let url: URL;
  try {
    url = new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    throw new Error(`The http.proxy setting (${value.replace(/\/\/[^@/]*@/, '//***@')}) is not a valid URL.`);
  }
  const secure = url.protocol === 'https:';
  const authorization = url.username
    ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
    : undefined;
  return { host: url.hostname, port: Number(url.port) || (secure ? 443 : 80), secure, authorization };
}

/** Loopback never goes through a proxy; `http.noProxy` entries match a host or a domain suffix. */
export function bypassesProxy(targetHost: string, noProxy: string[]): boolean {
  let hostname: string;
  try {
    hostname = new URL(targetHost).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (hostname === 'localhost' || hostname === '::1' || hostname.startsWith('127.')) return true;
  return noProxy.some((p) => {
    const rule = p.trim().replace(/^\*?\./, '');
    return rule !== '' && (hostname === rule || hostname.endsWith(`.${rule}`));
  });
}

/** An https agent that reaches the target through an HTTP CONNECT tunnel (no extra dependency). */
class ConnectTunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: ProxyTarget,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  // Node's Agent accepts an asynchronous createConnection when it returns undefined and calls back.
  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const done = (err: Error | null, stream?: Duplex) => callback?.(err, stream as Duplex);
    const host = options.hostname ?? options.host ?? 'localhost';
    const port = Number(options.port ?? 443);
    const headers: http.OutgoingHttpHeaders = { host: `${host}:${port}` };
    if (this.proxy.authorization) headers['proxy-authorization'] = this.proxy.authorization;
    const request = (this.proxy.secure ? https : http).request({
      host: this.proxy.host,
      port: this.proxy.port,
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers,
      agent: false,
    });
    request.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        done(new Error(`The proxy refused the tunnel to ${host}:${port} (HTTP ${res.statusCode}).`));
        return;
      }
      const secured = tls.connect({ ...(options as tls.ConnectionOptions), host, port, socket, servername: (options as tls.ConnectionOptions).servername ?? host });
      done(null, secured);
    });
    request.once('error', (err) => done(new Error(`Could not reach the proxy ${this.proxy.host}:${this.proxy.port} (${(err as NodeJS.ErrnoException).code ?? err.message}).`)));
    request.end();
    return undefined;
  }
}
