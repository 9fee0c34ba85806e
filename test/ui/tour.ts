/**
 * `npm run screenshots`: clicks through the main workflow in a real workbench against the seeded
 * fake workspace, as a person would, and saves the README's screenshots in media/screenshots/.
 * Not a test (it asserts only that each step appears); the UI tests cover the same path.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEMO, defaultSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';
import { Workbench } from './harness';

const OUT = path.resolve(__dirname, '..', '..', '..', 'media', 'screenshots');

async function shot(wb: Workbench, name: string, opts: { keepPointer?: boolean } = {}): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  // Park the pointer on the status bar's empty middle so no stray hover covers the picture.
  if (!opts.keepPointer) await wb.page.mouse.move(900, 890);
  await wb.page.screenshot({ path: path.join(OUT, `${name}.png`) });
  console.log(`saved media/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  let fake: FakeWorkspace | undefined;
  const wb = await Workbench.start({
    viewport: { width: 1500, height: 900 },
    beforeStart: async (cleanup) => {
      fake = await startFakeWorkspace({ seed: defaultSeed() });
      cleanup.add('stop fake workspace', () => fake!.stop());
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zipher-tour-'));
      cleanup.add('remove config dir', () => fs.rmSync(dir, { recursive: true, force: true }));
      const cfg = path.join(dir, 'databrickscfg');
      fs.writeFileSync(cfg, `[zipher-demo]\nhost = ${fake.url}\ntoken = ${DEMO.adminToken}\n`);
      return {
        env: { DATABRICKS_CONFIG_FILE: cfg },
        settings: { 'zipher.workspaces': [{ host: fake.url, auth: 'profile', profile: 'zipher-demo', servicePrincipal: DEMO.zipherAppId }] },
      };
    },
  });
  try {
    await wb.openZipherView();
    await wb.resizeSideBar(600);
    await wb.page.locator('.part.sidebar').getByText(/40 jobs/).first().waitFor({ state: 'visible', timeout: 60_000 });
    await wb.page.locator('.part.sidebar').getByText(/Loading jobs/).first().waitFor({ state: 'hidden', timeout: 60_000 });
    await wb.waitForSideBarIdle();
    await shot(wb, 'jobs-tree');

    // Grant on two jobs at once: multi-select, right-click, review the plan.
    await wb.selectMany(['nightly-etl', 'mega-pipeline']);
    await wb.rightClick('mega-pipeline');
    await shot(wb, 'context-menu', { keepPointer: true });
    await wb.contextMenuItem('Grant Zipher Access');
    await wb.dialog().waitFor({ state: 'visible', timeout: 60_000 });
    await shot(wb, 'plan-review');
    await wb.dialogButton('Review Changes');
    await wb.quickInput.waitForOpen();
    await wb.quickInput.pick(/All \d+ changed objects/);
    await wb.page.locator('.monaco-diff-editor').first().waitFor({ state: 'visible', timeout: 30_000 });
    await wb.page.waitForTimeout(1000); // let the diff decorations settle before the picture
    await shot(wb, 'plan-diff');
    await wb.clickNotificationButton(/Grant Zipher/, 'Grant');
    await wb.waitForNotification(/Zipher now manages/, 60_000);
    await wb.treeItem('mega-pipeline').locator('.label-description', { hasText: 'Zipher manages' }).waitFor({ state: 'visible', timeout: 30_000 });
    await wb.runCommand('View: Close All Editors');
    await wb.treeItem('mega-pipeline').hover();
    await wb.page.locator('.monaco-hover').first().waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
    await shot(wb, 'granted', { keepPointer: true });

    await wb.clearNotifications();
    await wb.runCommand('Zipher: Verify Connectivity');
    await wb.waitForNotification(/Zipher connectivity/, 60_000);
    await wb.page.waitForTimeout(1000);
    await shot(wb, 'verify-report');

    await wb.clearNotifications();
    await wb.runCommand('Zipher: Generate Handoff Info');
    await wb.waitForNotification(/Handoff ready/, 30_000);
    await wb.page.waitForTimeout(1000);
    await shot(wb, 'handoff');
  } finally {
    await wb.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(1);
  },
);
