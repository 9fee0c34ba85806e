/**
 * Extension activation without a network: each run is a fresh Node process that loads
 * `dist/extension.js` against the `vscode` stand-in and calls `activate()` with no workspaces
 * configured. Load (require) and activate are timed separately; the figure that counts is the
 * sum, which is what VS Code's own "activation time" covers.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from './stats';
import { createExtensionContext, createVscodeStub } from './vscodeStub';

export interface ActivationRun {
  loadMs: number;
  activateMs: number;
  totalMs: number;
  commandsRegistered: number;
  unknownMembers: string[];
  error?: string;
}

export interface ActivationResult {
  bundlePath: string;
  bundleBytes: number;
  /** a production build: minified, no source map */
  bundleMinified: boolean;
  runs: ActivationRun[];
  medianLoadMs: number;
  medianActivateMs: number;
  medianTotalMs: number;
  failures: string[];
}

const VSCODE_ID = '\0bench-vscode-stub';

async function activateOnce(bundle: string): Promise<ActivationRun> {
  const stub = createVscodeStub();
  let commandsRegistered = 0;
  const commands = stub.module.commands as { registerCommand: (...a: unknown[]) => unknown };
  const register = commands.registerCommand;
  commands.registerCommand = (...a: unknown[]) => {
    commandsRegistered++;
    return register(...a);
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require('node:module') as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'vscode' ? VSCODE_ID : resolve.call(this, request, ...rest);
  };
  require.cache[VSCODE_ID] = { id: VSCODE_ID, filename: VSCODE_ID, loaded: true, exports: stub.module } as unknown as NodeJS.Module;

  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'zipher-bench-'));
  const late: string[] = [];
  process.on('unhandledRejection', (e) => late.push(`unhandled rejection after activation: ${e instanceof Error ? e.message : String(e)}`));
  const { context, dispose } = createExtensionContext(stub, storage, path.dirname(path.dirname(bundle)));
  try {
    const t0 = performance.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ext = require(bundle) as { activate(ctx: unknown): unknown; deactivate?(): unknown };
    const t1 = performance.now();
    await ext.activate(context);
    const t2 = performance.now();
    // let the background start-up (no workspaces configured) run, so its failures show
    await new Promise((r) => setTimeout(r, 50));
    dispose();
    await ext.deactivate?.();
    const run: ActivationRun = { loadMs: t1 - t0, activateMs: t2 - t1, totalMs: t2 - t0, commandsRegistered, unknownMembers: [...stub.unknownMembers].sort() };
    if (late.length) run.error = late.join('; ');
    return run;
  } finally {
    fs.rmSync(storage, { recursive: true, force: true });
  }
}

function runChild(bundle: string): Promise<ActivationRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [__filename, '--activate-once', bundle], { timeout: 30_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ActivationRun);
      } catch {
        const why = err ? err.message : 'no result';
        resolve({ loadMs: NaN, activateMs: NaN, totalMs: NaN, commandsRegistered: 0, unknownMembers: [], error: `${why}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}` });
      }
    });
  });
}

export async function measureActivation(bundle: string, runs: number): Promise<ActivationResult> {
  const failures: string[] = [];
  if (!fs.existsSync(bundle)) {
    failures.push(`${bundle} does not exist; run \`npm run build:prod\` first.`);
    return { bundlePath: bundle, bundleBytes: 0, bundleMinified: false, runs: [], medianLoadMs: NaN, medianActivateMs: NaN, medianTotalMs: NaN, failures };
  }
  const results: ActivationRun[] = [];
  for (let i = 0; i < runs; i++) results.push(await runChild(bundle));
  for (const r of results) if (r.error) failures.push(`activation: ${r.error}`);
  const ok = results.filter((r) => !r.error);
  const text = fs.readFileSync(bundle, 'utf8');
  const newlines = text.split('\n').length;
  return {
    bundlePath: bundle,
    bundleBytes: Buffer.byteLength(text),
    bundleMinified: !text.includes('sourceMappingURL=') && newlines < text.length / 2000,
    runs: results,
    medianLoadMs: median(ok.map((r) => r.loadMs)),
    medianActivateMs: median(ok.map((r) => r.activateMs)),
    medianTotalMs: median(ok.map((r) => r.totalMs)),
    failures: [...new Set(failures)],
  };
}

if (process.argv[2] === '--activate-once') {
  activateOnce(path.resolve(process.argv[3]!))
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    })
    .catch((e: unknown) => {
      const r: ActivationRun = { loadMs: NaN, activateMs: NaN, totalMs: NaN, commandsRegistered: 0, unknownMembers: [], error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    });
}
