/**
 * Validators for the few small shapes the VS Code layer reads at activation (settings entries,
 * SecretStorage values). Hand-written rather than zod: zod's module evaluation costs
 * milliseconds of activation time, and zod stays in the lazily loaded REST client.
 * Like `z.object`, they return only the known fields, so foreign extras are never passed on
 * (or written back to SecretStorage). Reasons name the field, never its value (it may be a secret).
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

interface FieldRule {
  optional?: boolean;
  /** allowed values; any non-empty string when absent */
  oneOf?: readonly string[];
}

/** The object a set of rules describes: required fields are strings, optional ones may be absent. */
type StringFields<R extends Record<string, FieldRule>> = { [K in keyof R as R[K]['optional'] extends true ? never : K]: FieldValue<R[K]> } & {
  [K in keyof R as R[K]['optional'] extends true ? K : never]?: FieldValue<R[K]>;
};
type FieldValue<F extends FieldRule> = F['oneOf'] extends readonly (infer V extends string)[] ? V : string;

/** Builds a validator for an object whose fields are all non-empty strings. */
export function stringFields<const R extends Record<string, FieldRule>>(rules: R): (input: unknown) => Checked<StringFields<R>> {
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, reason: 'expected an object' };
    const source = input as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const [key, rule] of Object.entries(rules)) {
      const v = source[key];
      if (v === undefined) {
        if (rule.optional) continue;
        return { ok: false, reason: `"${key}" is missing` };
      }
      if (typeof v !== 'string' || v === '') return { ok: false, reason: `"${key}" must be a non-empty string` };
      if (rule.oneOf && !rule.oneOf.includes(v)) return { ok: false, reason: `"${key}" must be one of ${rule.oneOf.map((o) => `"${o}"`).join(', ')}` };
      out[key] = v;
    }
    return { ok: true, value: out as StringFields<R> };
  };
}

/** The value, or an Error naming what is wrong (for writes, where bad input is a programming error). */
export function orThrow<T>(checked: Checked<T>, what: string): T {
  if (checked.ok) return checked.value;
  throw new Error(`Invalid ${what}: ${checked.reason}.`);
}
