/**
 * One workspace's health in a few words (status bar), a tooltip and detail lines, from state the
 * VS Code layer already holds. Pure: no I/O, `now` injectable for tests.
 */
import type { ErrorKind } from '../databricks/api';
import type { StateCounts, ZipherPrincipal } from './model';
import type { VerifyReport } from './verify';

export type ConnectionState =
  | { state: 'not-connected' }
  | { state: 'connecting' }
  | { state: 'connected'; userName?: string; isAdmin?: boolean }
  | { state: 'error'; kind: ErrorKind; message?: string };

export interface HealthInput {
  host?: string;
  connection: ConnectionState;
  principal?: ZipherPrincipal;
  inventory?: { loaded: boolean; counts?: StateCounts };
  lastVerify?: VerifyReport;
  driftCount?: number;
  /** ISO expiry of the SP's stored OAuth secret */
  secretExpiry?: string;
  now?: Date;
}

export type HealthLevel = 'not-configured' | 'healthy' | 'degraded' | 'error';

export interface HealthSummary {
  level: HealthLevel;
  /** short, for the status bar */
  text: string;
  tooltip: string;
  details: string[];
  /** a codicon name the status bar may show next to the text */
  icon: string;
}

/** Warn this long before the SP's OAuth secret expires. */
export const SECRET_EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

const ERROR_TEXT: Record<ErrorKind, string> = {
  auth: 'credentials rejected',
  'ip-blocked': 'IP blocked',
  permission: 'permission denied',
  'not-found': 'not found',
  invalid: 'request refused',
  'rate-limit': 'rate limited',
  unavailable: 'workspace unavailable',
  network: 'unreachable',
  timeout: 'timed out',
  cancelled: 'cancelled',
  'not-databricks': 'not a Databricks workspace',
  'bad-response': 'unexpected answer',
  config: 'configuration error',
};

export function summarizeHealth(input: HealthInput): HealthSummary {
  const where = input.host ?? 'Databricks';
  const conn = input.connection;
  if (conn.state === 'not-connected') {
    return summary('not-configured', 'Zipher: not connected', 'plug', where, ['No workspace connected. Run "Zipher: Connect Workspace".']);
  }
  if (conn.state === 'connecting') {
    return summary('not-configured', 'Zipher: connecting…', 'sync~spin', where, [`Connecting to ${where}…`]);
  }
  if (conn.state === 'error') {
    const details = [conn.message ?? `The connection to ${where} failed (${ERROR_TEXT[conn.kind]}).`];
    return summary('error', `Zipher: ${ERROR_TEXT[conn.kind]}`, 'error', where, details);
  }

  const details: string[] = [`Connected${conn.userName ? ` as ${conn.userName}` : ''}${conn.isAdmin === false ? ' (not a workspace admin)' : ''}.`];
  if (!input.principal) {
    details.push('Zipher\'s service principal is not set. Run "Zipher: Set Service Principal".');
    return summary('not-configured', 'Zipher: set service principal', 'key', where, details);
  }
  details.push(`Service principal ${input.principal.displayName ?? input.principal.applicationId}.`);

  // A holder object, so the narrowing TypeScript does on a plain `let` does not survive closures.
  const state: { level: HealthLevel } = { level: 'healthy' };
  const raise = (to: 'degraded' | 'error'): void => {
    if (to === 'error' || state.level === 'healthy') {
      state.level = to;
    }
  };

  let text: string;
  const counts = input.inventory?.counts;
  if (input.inventory?.loaded && counts) {
    const managed = counts.managed;
    text = `Zipher: ${managed} job${managed === 1 ? '' : 's'} managed`;
    const total = counts.managed + counts.partial + counts.none + counts.unknown + counts.loading;
    details.push(`${managed} of ${total} jobs managed by Zipher.`);
    if (counts.partial > 0) {
      details.push(`${counts.partial} job${counts.partial === 1 ? ' has' : 's have'} a level below CAN_MANAGE.`);
    }
    if (counts.unknown > 0) {
      details.push(`${counts.unknown} job${counts.unknown === 1 ? '' : 's'} whose permissions could not be read.`);
    }
  } else {
    text = 'Zipher: loading jobs…';
    details.push('Loading jobs…');
  }

  if (input.driftCount !== undefined && input.driftCount > 0) {
    raise('degraded');
    details.push(`${input.driftCount} change${input.driftCount === 1 ? '' : 's'} made outside Zipher (drift) since access was granted.`);
  }

  if (input.secretExpiry) {
    const expiry = Date.parse(input.secretExpiry);
    const now = (input.now ?? new Date()).getTime();
    if (!Number.isNaN(expiry)) {
      const date = new Date(expiry).toISOString().slice(0, 10);
      if (expiry <= now) {
        raise('error');
        details.push(`The service principal's OAuth secret expired on ${date}: Zipher cannot log in. Generate a new secret.`);
      } else if (expiry - now <= SECRET_EXPIRY_WARNING_DAYS * DAY_MS) {
        raise('degraded');
        details.push(`The service principal's OAuth secret expires on ${date}. Generate a new one and send it to Zipher before then.`);
      }
    }
  }

  const report = input.lastVerify;
  if (report) {
    const failed = report.checks.filter((c) => c.status === 'fail');
    const warned = report.checks.filter((c) => c.status === 'warn');
    if (failed.length > 0) {
      raise('error');
      details.push(`Last check (${report.time}) failed: ${failed.map((c) => c.title).join('; ')}.`);
    } else if (warned.length > 0 || report.status !== 'healthy') {
      raise('degraded');
      details.push(`Last check (${report.time}) has warnings: ${warned.map((c) => c.title).join('; ') || report.status}.`);
    } else {
      details.push(`Last check (${report.time}) passed.`);
    }
  }

  const level = state.level;
  if (level === 'error') {
    text = `${text} · action needed`;
  } else if (level === 'degraded') {
    text = `${text} · attention`;
  }
  const icon = level === 'error' ? 'error' : level === 'degraded' ? 'warning' : 'pass';
  return summary(level, text, icon, where, details);
}

function summary(level: HealthLevel, text: string, icon: string, where: string, details: string[]): HealthSummary {
  return { level, text, icon, details, tooltip: [`Zipher — ${where}`, ...details].join('\n') };
}
