/**
 * Page object over a real VS Code workbench (code-server + headless Chromium) with the extension
 * loaded from this repository as a development extension. UI tests click and type as a person
 * would; every wait has an explicit timeout and waits for a selector, never a fixed sleep.
 *
 *   const wb = await Workbench.start({ beforeStart: async (cleanup) => { ...; return { settings } } });
 *   await wb.openZipherView();
 *   await wb.runCommand('Zipher: Show Logs');
 *   await wb.screenshot('after-logs');
 *   await wb.stop();
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { CleanupStack, CodeServer, REPO_ROOT, launchChromium, startCodeServer } from '../runner/testHost';

export const UI_TIMEOUT_MS = 20_000;
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots');

export interface StartAdditions {
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
}

export interface WorkbenchOptions extends StartAdditions {
  /** Runs before code-server starts (e.g. starts a fake workspace); what it returns is merged over
   * `settings`/`env`. Register teardown on `cleanup` so it runs when the workbench stops. */
  beforeStart?: (cleanup: CleanupStack) => Promise<StartAdditions | void>;
  /** Folder opened in the workbench; default: an empty temp folder. */
  folder?: string;
  viewport?: { width: number; height: number };
}

export class Workbench {
  readonly quickInput: QuickInput;

  private constructor(
    readonly page: Page,
    readonly server: CodeServer,
    private readonly cleanup: CleanupStack,
  ) {
    this.quickInput = new QuickInput(page);
  }

  static async start(options: WorkbenchOptions = {}): Promise<Workbench> {
    const cleanup = new CleanupStack();
    try {
      const added = (await options.beforeStart?.(cleanup)) ?? {};
      const server = await startCodeServer(
        {
          folder: options.folder,
          settings: { ...options.settings, ...added.settings },
          env: { ...options.env, ...added.env },
        },
        cleanup,
      );
      const browser = await launchChromium(cleanup);
      const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
      page.setDefaultTimeout(UI_TIMEOUT_MS);
      await page.goto(server.workbenchUrl({ extensionDevelopmentPath: REPO_ROOT }));
      const workbench = new Workbench(page, server, cleanup);
      await workbench.whenReady();
      return workbench;
    } catch (e) {
      await cleanup.runAll();
      throw e;
    }
  }

  /** Waits until the workbench has rendered and the extension's activity bar entry is there. */
  async whenReady(timeoutMs = 60_000): Promise<void> {
    await this.page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: timeoutMs });
    await this.zipherActivityItem().waitFor({ timeout: timeoutMs });
  }

  private zipherActivityItem(): Locator {
    return this.page.locator('.part.activitybar a.action-label[aria-label^="Zipher"]');
  }

  /** The side bar showing the Zipher view container. */
  zipherView(): Locator {
    return this.page.locator('.part.sidebar').filter({
      has: this.page.locator('.composite.title h2', { hasText: /^\s*Zipher/i }),
    });
  }

  /** Opens the Zipher view container (click on its activity bar icon unless already open). */
  async openZipherView(): Promise<Locator> {
    const view = this.zipherView();
    if (!(await view.isVisible())) {
      await this.zipherActivityItem().click();
      await this.dismissHover();
    }
    await view.waitFor({ state: 'visible' });
    return view;
  }

  /** Moves the mouse to an empty spot of the editor area so no hover covers what follows. */
  async dismissHover(): Promise<void> {
    const viewport = this.page.viewportSize() ?? { width: 1400, height: 900 };
    await this.page.mouse.move(viewport.width - 40, viewport.height - 80);
    await this.page
      .locator('.workbench-hover-container, .monaco-hover:not(.hidden)')
      .first()
      .waitFor({ state: 'hidden', timeout: 5_000 })
      .catch(() => undefined);
  }

  /** Drags the sash on the side bar's right edge so the side bar is `width` pixels wide. */
  async resizeSideBar(width: number): Promise<void> {
    const bar = await this.page.locator('.part.sidebar').boundingBox();
    if (!bar) throw new Error('the side bar is not visible');
    const edge = bar.x + bar.width;
    for (const sash of await this.page.locator('.monaco-sash.vertical').all()) {
      const box = await sash.boundingBox();
      if (!box || Math.abs(box.x + box.width / 2 - edge) > 4 || box.height < bar.height / 2) continue;
      const y = box.y + box.height / 2;
      await this.page.mouse.move(box.x + box.width / 2, y);
      await this.page.mouse.down();
      await this.page.mouse.move(bar.x + width, y, { steps: 8 });
      await this.page.mouse.up();
      // Leave the sash so it drops its highlight before any screenshot.
      await this.page.mouse.move(bar.x + width + 300, y);
      await this.page
        .locator('.monaco-sash.hover, .monaco-sash.active')
        .first()
        .waitFor({ state: 'hidden', timeout: 5_000 })
        .catch(() => undefined);
      return;
    }
    throw new Error('no sash found on the side bar edge');
  }

  /** Waits until no progress bar runs in the side bar (a view finished loading). */
  async waitForSideBarIdle(timeoutMs = UI_TIMEOUT_MS): Promise<void> {
    await this.page
      .locator('.part.sidebar .monaco-progress-container.active')
      .first()
      .waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  /** The pane of one view (e.g. "Jobs") in the side bar. */
  viewPane(name: string): Locator {
    return this.page.locator('.part.sidebar .pane').filter({
      has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${escapeRegExp(name)}`, 'i') }),
    });
  }

  /** Runs a command by its palette title (e.g. "Zipher: Show Logs") through F1. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.locator('.monaco-workbench').focus().catch(() => undefined);
    await this.page.keyboard.press('F1');
    await this.quickInput.waitForOpen();
    await this.quickInput.type(`>${title}`);
    await this.quickInput.pick(title, { exact: true });
  }

  /** A tree row in the side bar whose label is exactly `label` (or matches the RegExp). */
  treeItem(label: string | RegExp): Locator {
    return this.page
      .locator('.part.sidebar .monaco-list-row[role="treeitem"]')
      .filter({ has: this.page.locator('.label-name', { hasText: exactText(label) }) })
      .first();
  }

  async treeItemLabels(): Promise<string[]> {
    return this.page.locator('.part.sidebar .monaco-list-row[role="treeitem"] .label-name').allInnerTexts();
  }

  async rightClick(label: string | RegExp): Promise<void> {
    const item = this.treeItem(label);
    await item.scrollIntoViewIfNeeded();
    await item.click({ button: 'right' });
    await this.contextMenu().waitFor({ state: 'visible' });
  }

  /** Selects several tree rows: plain click on the first, Ctrl+click on the rest. */
  async selectMany(labels: (string | RegExp)[]): Promise<void> {
    for (const [index, label] of labels.entries()) {
      await this.treeItem(label).click({ modifiers: index === 0 ? [] : ['Control'] });
    }
  }

  private contextMenu(): Locator {
    return this.page.locator('.context-view .monaco-menu').first();
  }

  async contextMenuItems(): Promise<string[]> {
    const labels = await this.contextMenu().locator('.action-item .action-label').allInnerTexts();
    return labels.map((l) => l.trim()).filter((l) => l.length > 0);
  }

  /** Clicks an entry of the open context menu by its title. */
  async contextMenuItem(title: string | RegExp): Promise<void> {
    const item = this.contextMenu()
      .locator('.action-item')
      .filter({ has: this.page.locator('.action-label', { hasText: exactText(title) }) })
      .first();
    await item.hover();
    await item.click();
    try {
      await this.contextMenu().waitFor({ state: 'hidden', timeout: 3_000 });
    } catch {
      // The workbench ignores a click that lands too soon after the menu opened (so the releasing
      // right button cannot pick an item); a person would simply choose the entry again. The menu
      // is still open, so nothing ran yet: choosing it with the keyboard is safe.
      await item.hover();
      await this.page.keyboard.press('Enter');
      await this.contextMenu().waitFor({ state: 'hidden' });
    }
  }

  /** Texts of the notification toasts currently shown. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
  }

  /** Waits for a toast containing `text`, returns its full message. */
  async waitForNotification(text: string | RegExp, timeoutMs = UI_TIMEOUT_MS): Promise<string> {
    const toast = this.page
      .locator('.notifications-toasts .notification-list-item-message')
      .filter({ hasText: text })
      .first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return toast.innerText();
  }

  /** Clicks a button (e.g. "Show Details") on the toast containing `text`. */
  async clickNotificationButton(text: string | RegExp, button: string): Promise<void> {
    await this.page
      .locator('.notifications-toasts .notification-toast')
      .filter({ hasText: text })
      .first()
      .getByRole('button', { name: button, exact: true })
      .click();
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
  }

  /** A modal dialog (e.g. a confirmation) and a way to press one of its buttons. */
  dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  async dialogButton(title: string): Promise<void> {
    await this.dialog().getByRole('button', { name: title, exact: true }).click();
    await this.dialog().waitFor({ state: 'hidden' });
  }

  /** A status bar entry found by its id (`zipher.status`), accessible name, or text. */
  statusBarItem(nameOrText: string): Locator {
    const bar = this.page.locator('.part.statusbar');
    return bar
      .locator(`.statusbar-item[id$="${cssEscape(nameOrText)}"]`)
      .or(bar.locator(`.statusbar-item[aria-label*="${cssEscape(nameOrText)}"]`))
      .or(bar.locator('.statusbar-item').filter({ hasText: nameOrText }))
      .first();
  }

  /** Saves test-results/screenshots/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** code-server's recent output, for a failure message. */
  serverOutput(lines = 40): string {
    return this.server.output().split('\n').slice(-lines).join('\n');
  }

  async stop(): Promise<void> {
    await this.cleanup.runAll();
  }
}

/** The quick input widget: command palette, quick picks and input boxes share it. */
export class QuickInput {
  constructor(private readonly page: Page) {}

  widget(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private input(): Locator {
    return this.widget().locator('.quick-input-box input');
  }

  private rows(): Locator {
    return this.widget().locator('.quick-input-list .monaco-list-row');
  }

  async waitForOpen(timeoutMs = UI_TIMEOUT_MS): Promise<void> {
    await this.widget().waitFor({ state: 'visible', timeout: timeoutMs });
    await this.input().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  async waitForClosed(timeoutMs = UI_TIMEOUT_MS): Promise<void> {
    await this.widget().waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  async isOpen(): Promise<boolean> {
    return this.widget().isVisible();
  }

  /** Replaces the input's text (validation runs as if typed). */
  async type(text: string): Promise<void> {
    await this.waitForOpen();
    await this.input().fill(text);
  }

  async value(): Promise<string> {
    return this.input().inputValue();
  }

  async placeholder(): Promise<string | null> {
    return this.input().getAttribute('placeholder');
  }

  /** The widget's title (e.g. "Connect Workspace (1/2)"), if any. */
  async title(): Promise<string> {
    return (await this.widget().locator('.quick-input-title').innerText()).trim();
  }

  /** Presses Enter: accepts an input box or the active item. */
  async submit(): Promise<void> {
    await this.input().press('Enter');
  }

  async cancel(): Promise<void> {
    await this.input().press('Escape');
    await this.waitForClosed();
  }

  /** Labels of the items shown. */
  async items(): Promise<string[]> {
    return this.rows().locator('.label-name').allInnerTexts();
  }

  /** Clicks the item whose label matches (exactly with `exact`, else contains). */
  async pick(label: string | RegExp, options: { exact?: boolean } = {}): Promise<void> {
    const matcher = options.exact ? exactText(label) : label;
    const row = this.rows().filter({ has: this.page.locator('.label-name', { hasText: matcher }) }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
  }

  /** Ticks items of a multi-select quick pick, then accepts with OK/Enter. */
  async pickMany(labels: (string | RegExp)[]): Promise<void> {
    for (const label of labels) {
      const row = this.rows().filter({ has: this.page.locator('.label-name', { hasText: exactText(label) }) }).first();
      await row.locator('input[type="checkbox"], .quick-input-list-checkbox').first().click();
    }
    await this.submit();
  }

  /** The text under the input: the prompt when the value is fine, else the validation message. */
  async message(): Promise<string> {
    const message = this.widget().locator('.quick-input-message');
    if (!(await message.isVisible())) return '';
    return (await message.innerText()).trim();
  }

  /** The validation message (error, warning or info from `validateInput`), "" when the value is
   * accepted. VS Code shows the prompt in the same element, told apart only by its styling. */
  async validationMessage(): Promise<string> {
    const message = this.widget().locator('.quick-input-message');
    if (!(await message.isVisible())) return '';
    const style = (await message.getAttribute('style')) ?? '';
    if (!style.includes('inputValidation-')) return '';
    return (await message.innerText()).trim();
  }

  /** Waits until a validation message (not the prompt) matches. */
  async waitForValidation(text: string | RegExp, timeoutMs = UI_TIMEOUT_MS): Promise<string> {
    const message = this.widget().locator('.quick-input-message[style*="inputValidation-"]').filter({ hasText: text });
    await message.waitFor({ state: 'visible', timeout: timeoutMs });
    return (await message.innerText()).trim();
  }
}

function exactText(label: string | RegExp): RegExp {
  return typeof label === 'string' ? new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) : label;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cssEscape(text: string): string {
  return text.replace(/["\\]/g, '\\$&');
}
