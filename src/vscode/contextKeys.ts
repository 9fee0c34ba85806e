import * as vscode from 'vscode';

/** Every context key the extension's `when` clauses read, with its default. */
export const CONTEXT_DEFAULTS = {
  'zipher.connectionState': 'none' as 'none' | 'connecting' | 'connected' | 'error',
  'zipher.filterActive': false,
  'zipher.loading': false,
  'zipher.hasPrincipal': false,
};

export type ContextKey = keyof typeof CONTEXT_DEFAULTS;

/** Sets context keys, skipping writes that change nothing. */
export class ContextKeys {
  private readonly values = new Map<ContextKey, unknown>();

  /** Every key gets a default so no `when` clause or welcome view can stick on a stale state. */
  async initialize(): Promise<void> {
    await Promise.all((Object.keys(CONTEXT_DEFAULTS) as ContextKey[]).map((k) => this.set(k, CONTEXT_DEFAULTS[k], true)));
  }

  async set<K extends ContextKey>(key: K, value: (typeof CONTEXT_DEFAULTS)[K], force = false): Promise<void> {
    if (!force && this.values.get(key) === value) return;
    this.values.set(key, value);
    await vscode.commands.executeCommand('setContext', key, value);
  }

  get<K extends ContextKey>(key: K): (typeof CONTEXT_DEFAULTS)[K] {
    return (this.values.has(key) ? this.values.get(key) : CONTEXT_DEFAULTS[key]) as (typeof CONTEXT_DEFAULTS)[K];
  }
}
