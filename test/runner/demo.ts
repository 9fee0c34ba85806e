/**
 * `npm run demo`: the extension in a real VS Code (code-server) against the fake Databricks
 * workspace with its demo seed, already configured through a Databricks CLI profile.
 *
 *   npm run demo                         # prints the URL to open; Ctrl-C stops everything
 *   npm run demo -- --screenshot <dir>   # headless: opens the Zipher view, saves <dir>/zipher-demo.png
 *   options: --port <code-server port, default 8080>  --fake-port <default 8765>
 *
 * The profile holds the fake's admin token: the fake is fake, so writing it to a temp file is
 * fine; it is still never printed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEMO, defaultSeed, startFakeWorkspace } from '../fake-workspace';
import { StartAdditions, Workbench } from '../ui/harness';
import { CleanupStack, REPO_ROOT, freePort, startCodeServer } from './testHost';

const PROFILE = 'zipher-demo';

interface DemoArgs {
  screenshotDir?: string;
  port: number;
  fakePort: number;
}

function parseArgs(argv: string[]): DemoArgs {
  const args: DemoArgs = { port: 8080, fakePort: 8765 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--screenshot':
        args.screenshotDir = path.resolve(requireValue('--screenshot', value));
        i++;
        break;
      case '--port':
        args.port = Number(requireValue('--port', value));
        i++;
        break;
      case '--fake-port':
        args.fakePort = Number(requireValue('--fake-port', value));
        i++;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]} (use --screenshot <dir>, --port N, --fake-port N)`);
    }
  }
  return args;
}

function requireValue(flag: string, value: string | undefined): string {
  if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
  return value;
}

/** Starts the fake and returns the settings/env that point the extension at it. */
async function prepareWorkspace(cleanup: CleanupStack, fakePort: number): Promise<StartAdditions & { fakeUrl: string }> {
  const fake = await startFakeWorkspace({ port: await freePort(fakePort), seed: defaultSeed() });
  cleanup.add('stop fake workspace', () => fake.stop());

  const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zipher-demo-'));
  cleanup.add('remove demo config', () => fs.rmSync(configDir, { recursive: true, force: true }));
  const configFile = path.join(configDir, '.databrickscfg');
  fs.writeFileSync(configFile, `[${PROFILE}]\nhost = ${fake.url}\ntoken = ${DEMO.adminToken}\n`, { mode: 0o600 });

  return {
    fakeUrl: fake.url,
    env: { DATABRICKS_CONFIG_FILE: configFile },
    settings: {
      'zipher.workspaces': [
        { host: fake.url, auth: 'profile', profile: PROFILE, servicePrincipal: DEMO.zipherAppId },
      ],
    },
  };
}

async function runInteractive(args: DemoArgs): Promise<void> {
  const cleanup = new CleanupStack();
  try {
    const prepared = await prepareWorkspace(cleanup, args.fakePort);
    const server = await startCodeServer({ settings: prepared.settings, env: prepared.env, port: args.port }, cleanup);
    const url = server.workbenchUrl({ extensionDevelopmentPath: REPO_ROOT });
    console.log('');
    console.log('Zipher demo is running.');
    console.log(`  Fake Databricks workspace: ${prepared.fakeUrl}  (profile "${PROFILE}", fake admin credentials)`);
    console.log(`  VS Code (code-server):     ${server.origin}`);
    console.log('');
    console.log('Open this URL in a browser (it loads the extension from this repository):');
    console.log(`  ${url}`);
    console.log('');
    console.log('Press Ctrl-C to stop.');
    // Runs until SIGINT/SIGTERM; CleanupStack stops code-server and the fake, then exits.
    await new Promise<never>(() => undefined);
  } catch (e) {
    await cleanup.runAll();
    throw e;
  }
}

async function runScreenshot(args: DemoArgs): Promise<void> {
  let fakeUrl = '';
  const workbench = await Workbench.start({
    viewport: { width: 1400, height: 860 },
    beforeStart: async (cleanup) => {
      const prepared = await prepareWorkspace(cleanup, args.fakePort);
      fakeUrl = prepared.fakeUrl;
      return prepared;
    },
  });
  try {
    await workbench.openZipherView();
    await workbench.resizeSideBar(560).catch((e: Error) => console.warn(`[demo] ${e.message}`));
    await showJobs(workbench);
    fs.mkdirSync(args.screenshotDir!, { recursive: true });
    const file = path.join(args.screenshotDir!, 'zipher-demo.png');
    await workbench.page.screenshot({ path: file });
    console.log(`screenshot of the Zipher view against ${fakeUrl}: ${file}`);
  } finally {
    await workbench.stop();
  }
}

/** Best effort: waits for the tree, expands the first workspace root, lets the rows load. */
async function showJobs(workbench: Workbench): Promise<void> {
  const rows = workbench.page.locator('.part.sidebar .monaco-list-row[role="treeitem"]');
  try {
    await rows.first().waitFor({ state: 'visible', timeout: 30_000 });
    const root = rows.first();
    if ((await root.getAttribute('aria-expanded')) === 'false') await root.click();
    await rows.nth(1).waitFor({ state: 'visible', timeout: 30_000 });
    await rows.filter({ hasText: /Loading/i }).first().waitFor({ state: 'hidden', timeout: 60_000 });
    await workbench.waitForSideBarIdle(60_000);
  } catch (e) {
    console.warn(`[demo] the jobs tree did not fill in time (${(e as Error).message.split('\n')[0]}); screenshot as is`);
  }
  await workbench.dismissHover();
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.screenshotDir) await runScreenshot(args);
  else await runInteractive(args);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`[demo] ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exit(1);
  },
);
