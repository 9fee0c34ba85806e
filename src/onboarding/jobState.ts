/** Zipher's state on one job, from the job's ACL. */
import type { AclEntry } from '../databricks/api';
import { ownerOf, zipherDirectLevel } from './acl';
import type { ZipherJobState } from './model';

export interface JobAccessState {
  state: Exclude<ZipherJobState, 'loading'>;
  zipherLevel?: string;
  owner?: string;
  /** Zipher must never own a job (ownership moves run-as); surfaced so an admin can fix it. */
  zipherIsOwner: boolean;
}

export function jobAccessState(acl: readonly AclEntry[], applicationId: string): JobAccessState {
  const level = zipherDirectLevel('job', acl, applicationId);
  const owner = ownerOf(acl);
  const result: JobAccessState = { state: 'none', zipherIsOwner: level === 'IS_OWNER' };
  if (owner !== undefined) result.owner = owner;
  if (level !== undefined) {
    result.zipherLevel = level;
    result.state = level === 'CAN_MANAGE' || level === 'IS_OWNER' ? 'managed' : 'partial';
  }
  return result;
}

export const OWNER_WARNING = "Zipher's service principal owns this job; it should not (ownership decides who the job runs as). Transfer ownership to a person or another principal.";
