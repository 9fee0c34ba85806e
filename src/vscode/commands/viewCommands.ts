import * as vscode from 'vscode';
import type { ZipherJobState } from '../../onboarding/model';
import type { JobsTreeProvider } from '../tree/provider';
import type { FilterArgs } from './ids';
import { UserCancelled } from './register';
import { isObject } from './workspaceCommands';

const STATES: ZipherJobState[] = ['managed', 'partial', 'none', 'unknown', 'loading'];

/** Filter and clear filter on the jobs tree. */
export class ViewCommands {
  constructor(private readonly tree: JobsTreeProvider) {}

  /** `zipher.filterJobs {text?, states?}` → the filter now applied. Without arguments it prompts. */
  async filterJobs(args?: unknown): Promise<FilterArgs> {
    if (isObject(args) && ('text' in args || 'states' in args)) {
      const states = Array.isArray(args.states) ? args.states.filter((s): s is ZipherJobState => STATES.includes(s as ZipherJobState)) : undefined;
      const filter = { text: typeof args.text === 'string' ? args.text : undefined, states };
      this.tree.setFilter(filter);
      return this.tree.getFilter();
    }
    const current = this.tree.getFilter();
    const text = await vscode.window.showInputBox({
      title: 'Filter Zipher jobs (1/2)',
      prompt: 'Part of the job name, or a job id (empty for all)',
      value: current.text ?? '',
    });
    if (text === undefined) throw new UserCancelled();
    const picks = await vscode.window.showQuickPick(
      STATES.map((s) => ({ label: s, picked: current.states?.includes(s) ?? false })),
      { title: 'Filter Zipher jobs (2/2): states (none picked = all)', canPickMany: true },
    );
    if (!picks) throw new UserCancelled();
    this.tree.setFilter({ text, states: picks.map((p) => p.label as ZipherJobState) });
    return this.tree.getFilter();
  }

  /** `zipher.clearFilter`. */
  clearFilter(): void {
    this.tree.setFilter({});
  }
}
