/** A scripted Prompter for host tests: each prompt must match the next expected step, or the test fails. */
import * as assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import type { MessagePrompt, Prompter } from '../../src/vscode/plans/prompter';

export type Step =
  | { kind: 'message'; match?: RegExp; modal?: boolean; check?: (p: MessagePrompt) => void; answer: string | undefined }
  | { kind: 'pick'; match?: RegExp; choose: (items: readonly vscode.QuickPickItem[]) => vscode.QuickPickItem | undefined }
  | { kind: 'save'; answer: vscode.Uri | undefined };

export class ScriptedPrompter implements Prompter {
  readonly seen: string[] = [];
  private readonly steps: Step[];

  constructor(steps: Step[]) {
    this.steps = [...steps];
  }

  async message(p: MessagePrompt): Promise<string | undefined> {
    const step = this.next('message', `${p.modal ? 'modal' : 'notification'}: ${p.message}`);
    if (step.kind !== 'message') throw new Error('unreachable');
    if (step.match) assert.match(`${p.message}\n${p.detail ?? ''}`, step.match);
    if (step.modal !== undefined) assert.equal(p.modal, step.modal, `modal for "${p.message}"`);
    step.check?.(p);
    if (step.answer !== undefined) assert.ok(p.choices.includes(step.answer), `"${step.answer}" is not offered by "${p.message}" (offered: ${p.choices.join(', ')})`);
    return step.answer;
  }

  async pick<T extends vscode.QuickPickItem>(items: readonly T[], options: { title: string }): Promise<T | undefined> {
    const step = this.next('pick', `pick: ${options.title}`);
    if (step.kind !== 'pick') throw new Error('unreachable');
    if (step.match) assert.match(options.title, step.match);
    return step.choose(items) as T | undefined;
  }

  async saveFile(options: { title: string }): Promise<vscode.Uri | undefined> {
    const step = this.next('save', `save: ${options.title}`);
    if (step.kind !== 'save') throw new Error('unreachable');
    return step.answer;
  }

  /** Fails when steps the test expected were never prompted. */
  assertDone(): void {
    assert.deepEqual(this.steps.map((s) => s.kind), [], `expected prompts never came (seen: ${this.seen.join(' | ')})`);
  }

  private next(kind: Step['kind'], what: string): Step {
    this.seen.push(what);
    const step = this.steps.shift();
    // an unexpected prompt fails the test at once instead of waiting for a person
    if (!step) throw new Error(`unexpected prompt: ${what}`);
    if (step.kind !== kind) throw new Error(`expected a ${step.kind} prompt, got ${what}`);
    return step;
  }
}
