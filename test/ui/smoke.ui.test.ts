import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Workbench } from './harness';

describe('UI smoke', function () {
  let workbench: Workbench;

  before(async function () {
    workbench = await Workbench.start();
  });

  after(async function () {
    await workbench?.stop();
  });

  it('opens the Zipher view container from the activity bar', async function () {
    const view = await workbench.openZipherView();
    assert.equal(await view.isVisible(), true);
    const jobs = workbench.viewPane('Jobs');
    await jobs.waitFor({ state: 'visible' });
    await workbench.waitForSideBarIdle();
    const file = await workbench.screenshot('smoke-zipher-view');
    assert.ok(fs.statSync(file).size > 10_000, `screenshot ${file} looks empty`);
  });

  it('runs a Zipher command from the command palette', async function () {
    await workbench.runCommand('Zipher: Show Logs');
    await workbench.quickInput.waitForClosed();
    const errors = (await workbench.notifications()).filter((text) => /error|not found/i.test(text));
    assert.deepEqual(errors, []);
  });
});
