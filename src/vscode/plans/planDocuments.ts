import * as vscode from 'vscode';
import { actionableChange, describeObject, renderAclText } from '../../onboarding';
import type { ObjectPlan, Plan } from '../../onboarding/model';

export const PLAN_SCHEME = 'zipher-plan';

/** Plans kept for their diff documents; older ones fall off so 10,000-object plans do not pile up. */
const KEEP_PLANS = 10;

type Side = 'before' | 'after';

/**
 * Read-only `zipher-plan:` documents: the ACL of one object (or of all objects of a plan) before
 * and after, as `renderAclText` prints it, for VS Code's diff editor. URIs look like
 * `zipher-plan:/<plan>/<object index | all>/<before | after>/<readable name>.acl`.
 */
export class PlanDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly plans = new Map<string, Plan>();
  private next = 1;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, this);
  }

  /** Keeps the plan for its documents; returns its id. */
  add(plan: Plan): string {
    const id = `p${this.next++}`;
    this.plans.set(id, plan);
    while (this.plans.size > KEEP_PLANS) this.plans.delete(this.plans.keys().next().value!);
    return id;
  }

  objectUri(planId: string, index: number, side: Side): vscode.Uri {
    const op = this.plans.get(planId)?.objects[index];
    const name = op ? slug(describeObject(op.object)) : `object-${index}`;
    return vscode.Uri.from({ scheme: PLAN_SCHEME, path: `/${planId}/${index}/${side}/${name}.acl` });
  }

  combinedUri(planId: string, side: Side): vscode.Uri {
    return vscode.Uri.from({ scheme: PLAN_SCHEME, path: `/${planId}/all/${side}/${this.plans.get(planId)?.kind ?? 'plan'}-plan.acl` });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const [planId, which, side] = uri.path.split('/').filter(Boolean);
    const plan = planId ? this.plans.get(planId) : undefined;
    if (!plan || (side !== 'before' && side !== 'after')) return 'This plan is no longer available. Plan again to review it.\n';
    if (which === 'all') return combinedAclText(plan, side);
    const op = plan.objects[Number(which)];
    return op ? objectAclText(op, side) : 'No such object in this plan.\n';
  }

  dispose(): void {
    this.registration.dispose();
    this.plans.clear();
  }
}

export function objectAclText(op: ObjectPlan, side: Side): string {
  return renderAclText(side === 'before' ? op.before : op.after);
}

/** One section per changed object in plan order, so the diff lines up object by object. */
export function combinedAclText(plan: Plan, side: Side): string {
  return plan.objects.filter((op) => actionableChange(op)).map((op) => `## ${describeObject(op.object)}\n${objectAclText(op, side)}`).join('\n');
}

function slug(text: string): string {
  return text.replace(/[`()]/g, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'object';
}
