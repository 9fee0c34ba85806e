/**
 * The headless VS Code test host: code-server (VS Code 1.99.3, Node extension host) on loopback,
 * driven by Debian's Chromium through playwright-core. See
 * /work/shared/reference/vscode-test-host.md for why this and not desktop VS Code.
 *
 * Used by the host-test runner, the UI harness and the demo. Everything started here is owned by
 * a `CleanupStack`, so a failure, a timeout or Ctrl-C still stops the server and the browser.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const CHROMIUM_PATH = process.env.ZIPHER_CHROMIUM ?? '/usr/bin/chromium';

const CODE_SERVER_DIR = process.env.ZIPHER_CODE_SERVER_DIR ?? path.join(REPO_ROOT, '.vscode-test', 'code-server');
const CODE_SERVER_ENTRY = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const INSTALL_SCRIPT = path.join(REPO_ROOT, 'test', 'runner', 'install-test-host.sh');

/** Settings that keep code-server's workbench from covering the UI with welcome pages and tips. */
export const QUIET_WORKBENCH_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'workbench.layoutControl.enabled': false,
};

export function isTestHostInstalled(): boolean {
  return fs.existsSync(CODE_SERVER_ENTRY) && fs.existsSync(CHROMIUM_PATH);
}

/** Installs code-server and Chromium on first use so `npm test` works on a fresh machine. */
export function ensureTestHost(): void {
  if (isTestHostInstalled()) return;
  console.log('[test-host] code-server or Chromium missing; running test/runner/install-test-host.sh');
  const result = spawnSync('bash', [INSTALL_SCRIPT], { stdio: 'inherit' });
  if (result.status !== 0 || !isTestHostInstalled()) {
    throw new Error(`installing the test host failed (exit ${result.status ?? result.signal}); see the output above`);
  }
}

/** Last-in-first-out teardown. On SIGINT/SIGTERM every live stack runs before the process exits:
 * code-server runs detached (its own process group), so nothing else would stop it. */
export class CleanupStack {
  private static readonly live = new Set<CleanupStack>();
  private static signalsHooked = false;

  private readonly steps: { label: string; run: () => Promise<void> | void }[] = [];
  private running: Promise<void> | undefined;

  constructor() {
    CleanupStack.live.add(this);
    CleanupStack.hookSignals();
  }

  private static hookSignals(): void {
    if (CleanupStack.signalsHooked) return;
    CleanupStack.signalsHooked = true;
    const onSignal = (signal: NodeJS.Signals): void => {
      console.error(`\n[test-host] ${signal}: stopping everything`);
      void Promise.all([...CleanupStack.live].map((stack) => stack.runAll())).finally(() =>
        process.exit(signal === 'SIGINT' ? 130 : 143),
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  add(label: string, run: () => Promise<void> | void): void {
    this.steps.push({ label, run });
  }

  runAll(): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        try {
          await step.run();
        } catch (e) {
          console.error(`[test-host] cleanup "${step.label}" failed: ${(e as Error).message}`);
        }
      }
      CleanupStack.live.delete(this);
    })();
    return this.running;
  }
}

export async function freePort(preferred?: number): Promise<number> {
  const tryListen = (port: number): Promise<number | undefined> =>
    new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address() as net.AddressInfo;
        server.close(() => resolve(address.port));
      });
    });
  if (preferred !== undefined) {
    const port = await tryListen(preferred);
    if (port !== undefined) return port;
  }
  const port = await tryListen(0);
  if (port === undefined) throw new Error('no free port on 127.0.0.1');
  return port;
}

export interface CodeServerOptions {
  /** Folder opened in the workbench; defaults to a fresh empty temp folder. */
  folder?: string;
  /** Written to the user settings.json before start, over QUIET_WORKBENCH_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server and therefore the extension host. */
  env?: Record<string, string>;
  /** Preferred port; a free one is taken when it is busy or absent. */
  port?: number;
  /** Where code-server's own output goes; default: kept in memory, printed on failure. */
  log?: (line: string) => void;
}

export interface CodeServer {
  readonly port: number;
  readonly origin: string; // http://127.0.0.1:<port>
  readonly folder: string;
  readonly userDataDir: string;
  /** Everything code-server printed so far (for diagnosing failures). */
  output(): string;
  /** The workbench URL that loads `extensionDevelopmentPath` (and optionally a test suite). */
  workbenchUrl(payload?: { extensionDevelopmentPath?: string; extensionTestsPath?: string }): string;
  stop(): Promise<void>;
}

export async function startCodeServer(options: CodeServerOptions, cleanup: CleanupStack): Promise<CodeServer> {
  ensureTestHost();
  const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'zipher-code-server-'));
  cleanup.add('remove code-server temp dir', () => fs.rmSync(tempRoot, { recursive: true, force: true }));
  const userDataDir = path.join(tempRoot, 'user-data');
  const extensionsDir = path.join(tempRoot, 'extensions');
  const folder = options.folder ?? path.join(tempRoot, 'workspace');
  for (const dir of [path.join(userDataDir, 'User'), extensionsDir, folder]) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_WORKBENCH_SETTINGS, ...options.settings }, null, 2),
  );

  const port = await freePort(options.port);
  // Our own config file: otherwise code-server writes ~/.config/code-server/config.yaml.
  const configFile = path.join(tempRoot, 'config.yaml');
  fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const origin = `http://127.0.0.1:${port}`;
  const args = [
    CODE_SERVER_ENTRY,
    '--config', configFile,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    folder,
  ];
  // Detached: its own process group, so stopping it also stops the extension host and watchers.
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env, CODE_SERVER_PARENT_PID: undefined, VSCODE_IPC_HOOK_CLI: undefined },
  });
  let output = '';
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString();
    output += text;
    if (output.length > 200_000) output = output.slice(-100_000);
    if (options.log) for (const line of text.split('\n')) if (line.trim()) options.log(line);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const stop = (): Promise<void> => killProcessGroup(child);
  cleanup.add('stop code-server', stop);

  await waitForHttp(`${origin}/healthz`, child, 60_000, () => output);

  return {
    port,
    origin,
    folder,
    userDataDir,
    output: () => output,
    workbenchUrl(payload) {
      const url = new URL(origin + '/');
      url.searchParams.set('folder', folder);
      const entries: [string, string][] = [];
      if (payload?.extensionDevelopmentPath) {
        entries.push(['extensionDevelopmentPath', remoteUri(port, payload.extensionDevelopmentPath)]);
      }
      if (payload?.extensionTestsPath) {
        entries.push(['extensionTestsPath', remoteUri(port, payload.extensionTestsPath)]);
      }
      if (entries.length > 0) url.searchParams.set('payload', JSON.stringify(entries));
      return url.toString();
    },
    stop,
  };
}

function remoteUri(port: number, absolutePath: string): string {
  return `vscode-remote://127.0.0.1:${port}${path.resolve(absolutePath)}`;
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs / 1000}s:\n${output()}`);
}

async function killProcessGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // group already gone
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  // The extension host may outlive the server for a moment; make sure nothing of the group stays.
  signalGroup('SIGKILL');
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(cleanup: CleanupStack): Promise<Browser> {
  ensureTestHost();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  cleanup.add('close chromium', () => browser.close());
  return browser;
}
