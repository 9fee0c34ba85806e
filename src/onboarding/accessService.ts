/** The one entry point the VS Code layer calls for planning, applying and retrying. */
import { applyPlan, retryFailed, type ApplyOptions } from './apply';
import type { AccessContext } from './context';
import { detectDrift, planReconcile } from './drift';
import type { ApplyResult, DriftFinding, Plan } from './model';
import { planGrant, planRevoke, type PlanCallOptions, type RevokeOptions } from './plan';

export type { AccessContext } from './context';

export class AccessService {
  constructor(private readonly ctx: AccessContext) {}

  get context(): AccessContext {
    return this.ctx;
  }

  planGrant(jobIds: number[], opts: PlanCallOptions = {}): Promise<Plan> {
    return planGrant(this.ctx, jobIds, opts);
  }

  planRevoke(jobIds: number[], opts: RevokeOptions = {}): Promise<Plan> {
    return planRevoke(this.ctx, jobIds, opts);
  }

  planReconcile(jobIds: number[], opts: PlanCallOptions = {}): Promise<Plan> {
    return planReconcile(this.ctx, jobIds, opts);
  }

  detectDrift(jobIds: number[], opts: PlanCallOptions = {}): Promise<Map<number, DriftFinding[]>> {
    return detectDrift(this.ctx, jobIds, opts);
  }

  apply(plan: Plan, opts: ApplyOptions = {}): Promise<ApplyResult> {
    return applyPlan(this.ctx, plan, opts);
  }

  retryFailed(plan: Plan, previous: ApplyResult, opts: ApplyOptions = {}): Promise<ApplyResult> {
    return retryFailed(this.ctx, plan, previous, opts);
  }
}
