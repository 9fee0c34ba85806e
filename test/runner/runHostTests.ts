/**
 * `npm run test:host`: runs out/test/host/index.js (Mocha) inside a real VS Code extension host.
 * Default host: code-server + headless Chromium (works offline here). ZIPHER_TEST_HOST=electron
 * uses @vscode/test-electron (desktop VS Code, needs to download it; for laptops).
 *
 * Exit code: 0 only when the suite reported success, with at least one passing test. Non-zero on
 * failures, on zero tests, on a workbench that never ran the suite, and after HOST_TIMEOUT_MS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CleanupStack, REPO_ROOT, launchChromium, startCodeServer } from './testHost';

const HOST_TIMEOUT_MS = Number(process.env.ZIPHER_HOST_TIMEOUT_MS ?? 5 * 60_000);
const SUITE_PATH = path.join(REPO_ROOT, 'out', 'test', 'host', 'index.js');
const SUMMARY_LINE = /^(\d+) passed, (\d+) failed$/m;

async function main(): Promise<number> {
  for (const required of [SUITE_PATH, path.join(REPO_ROOT, 'dist', 'extension.js')]) {
    if (!fs.existsSync(required)) {
      console.error(`[test:host] ${path.relative(REPO_ROOT, required)} is missing: run npm run build && npm run compile`);
      return 1;
    }
  }
  const resultsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zipher-host-results-')), 'results.txt');
  fs.writeFileSync(resultsFile, '');
  try {
    const exitCode =
      process.env.ZIPHER_TEST_HOST === 'electron'
        ? await runInElectron(resultsFile)
        : await runInCodeServer(resultsFile);
    return judge(exitCode, fs.readFileSync(resultsFile, 'utf8'));
  } finally {
    fs.rmSync(path.dirname(resultsFile), { recursive: true, force: true });
  }
}

/** The workbench's exit code alone is not enough: a suite that found no tests also "passes". */
function judge(exitCode: number, results: string): number {
  const summary = SUMMARY_LINE.exec(results);
  if (!summary) {
    console.error(`[test:host] the suite printed no summary (workbench exit code ${exitCode})`);
    return exitCode === 0 ? 1 : exitCode;
  }
  const passed = Number(summary[1]);
  const failed = Number(summary[2]);
  if (failed > 0 || exitCode !== 0) return exitCode === 0 ? 1 : exitCode;
  if (passed === 0) {
    console.error('[test:host] zero tests ran');
    return 1;
  }
  return 0;
}

async function runInCodeServer(resultsFile: string): Promise<number> {
  const cleanup = new CleanupStack();
  const tail = new FileTail(resultsFile);
  try {
    const server = await startCodeServer({ env: { ZIPHER_TEST_RESULTS: resultsFile } }, cleanup);
    const browser = await launchChromium(cleanup);
    const page = await browser.newPage();
    const exited = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(Number(code)));
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.workbenchUrl({ extensionDevelopmentPath: REPO_ROOT, extensionTestsPath: SUITE_PATH }));
    const timedOut = new Promise<'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), HOST_TIMEOUT_MS);
      cleanup.add('clear timeout', () => clearTimeout(timer));
    });
    const outcome = await Promise.race([exited, timedOut]);
    tail.flush();
    if (outcome === 'timeout') {
      console.error(`[test:host] timed out after ${HOST_TIMEOUT_MS / 1000}s`);
      printDiagnostics(server.output(), pageErrors);
      return 1;
    }
    if (outcome !== 0 && !SUMMARY_LINE.test(fs.readFileSync(resultsFile, 'utf8'))) {
      printDiagnostics(server.output(), pageErrors);
    }
    return outcome;
  } finally {
    tail.stop();
    await cleanup.runAll();
  }
}

async function runInElectron(resultsFile: string): Promise<number> {
  const { runTests } = await import('@vscode/test-electron');
  const tail = new FileTail(resultsFile);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zipher-electron-'));
  try {
    return await runTests({
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: SUITE_PATH,
      extensionTestsEnv: { ZIPHER_TEST_RESULTS: resultsFile },
      launchArgs: ['--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${userDataDir}`],
    });
  } catch (e) {
    console.error(`[test:host] VS Code exited with an error: ${(e as Error).message}`);
    return 1;
  } finally {
    tail.flush();
    tail.stop();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

function printDiagnostics(serverOutput: string, pageErrors: string[]): void {
  console.error('[test:host] last code-server output:');
  console.error(serverOutput.split('\n').slice(-40).join('\n'));
  if (pageErrors.length > 0) console.error(`[test:host] page errors:\n${pageErrors.slice(-10).join('\n')}`);
}

/** Streams what the suite appends to the results file onto our stdout while it runs. */
class FileTail {
  private offset = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly file: string) {
    this.timer = setInterval(() => this.flush(), 250);
  }

  flush(): void {
    let text: string;
    try {
      const content = fs.readFileSync(this.file);
      text = content.subarray(this.offset).toString('utf8');
      this.offset = content.length;
    } catch {
      return;
    }
    if (text) process.stdout.write(text);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[test:host] ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exit(1);
  },
);
