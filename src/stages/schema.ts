// Typed config schemas: one description per stage setting (default, bounds, label) that the UI, the URL and the CLI
// all read. `validateConfig` refuses a bad value with a message naming the field and the allowed range; `parseField`
// reads the string form (URL hash, CLI flag) and `formatField` writes it back.

export type FieldSpec =
  | { type: 'int'; default: number; min: number; max: number; label: string; help?: string }
  | { type: 'number'; default: number; min: number; max: number; /** the bound itself is not allowed (e.g. lr > 0) */ exclusiveMin?: boolean; label: string; help?: string }
  | { type: 'enum'; default: string; values: readonly string[]; label: string; help?: string }
  | { type: 'bool'; default: boolean; label: string; help?: string }
  | { type: 'string'; default: string; maxLength: number; label: string; help?: string }
  | { type: 'list'; of: 'number'; default: readonly number[]; min: number; max: number; minLength: number; maxLength: number; label: string; help?: string }
  | { type: 'list'; of: 'enum'; default: readonly string[]; values: readonly string[]; minLength: number; maxLength: number; label: string; help?: string };

export type Schema = Record<string, FieldSpec>;

/** The config type a schema describes. */
export type ConfigOf<S extends Schema> = {
  -readonly [K in keyof S]: S[K] extends { type: 'int' | 'number' } ? number : S[K] extends { type: 'bool' } ? boolean : S[K] extends { type: 'string' } ? string : S[K] extends { type: 'list'; of: 'number' } ? number[] : S[K] extends { type: 'list'; of: 'enum'; values: readonly (infer V)[] } ? V[] : S[K] extends { type: 'enum'; values: readonly (infer V)[] } ? V : never;
};

export interface FieldError {
  field: string;
  message: string;
}

/** A stage's settings with cross-field checks (e.g. one weight per level). */
export interface ConfigSchema<S extends Schema = Schema> {
  fields: S;
  check?(cfg: ConfigOf<S>): FieldError[];
}

export function defaults<S extends Schema>(schema: ConfigSchema<S>): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(schema.fields)) out[k] = Array.isArray(f.default) ? [...(f.default as unknown[])] : f.default;
  return out as ConfigOf<S>;
}

const range = (f: { min: number; max: number; exclusiveMin?: boolean }) => `${f.exclusiveMin ? '(' : '['}${f.min}, ${f.max}]`;

/** The allowed values of a field, in words (for messages and tooltips). */
export function allowed(f: FieldSpec): string {
  switch (f.type) {
    case 'int':
      return `an integer in ${range(f)}`;
    case 'number':
      return `a number in ${range(f)}`;
    case 'enum':
      return `one of ${f.values.join(', ')}`;
    case 'bool':
      return 'true or false';
    case 'string':
      return `text of at most ${f.maxLength} characters`;
    case 'list':
      return f.of === 'number'
        ? `${f.minLength === f.maxLength ? f.minLength : `${f.minLength}–${f.maxLength}`} numbers in ${range(f)}`
        : `${f.minLength}–${f.maxLength} of ${f.values.join(', ')}`;
  }
}

const show = (v: unknown) => (typeof v === 'string' ? `"${v}"` : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** Check one value against its field; null when fine, else the message (without the field name). */
export function checkField(f: FieldSpec, v: unknown): string | null {
  const bad = () => `must be ${allowed(f)} (got ${show(v)})`;
  switch (f.type) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= f.min && v <= f.max ? null : bad();
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && (f.exclusiveMin ? v > f.min : v >= f.min) && v <= f.max ? null : bad();
    case 'enum':
      return typeof v === 'string' && f.values.includes(v) ? null : bad();
    case 'bool':
      return typeof v === 'boolean' ? null : bad();
    case 'string':
      return typeof v === 'string' && v.length <= f.maxLength ? null : bad();
    case 'list': {
      if (!Array.isArray(v) || v.length < f.minLength || v.length > f.maxLength) return bad();
      if (f.of === 'number') return v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= f.min && x <= f.max) ? null : bad();
      return v.every((x) => typeof x === 'string' && f.values.includes(x)) && new Set(v).size === v.length ? null : bad();
    }
  }
}

/** Validate a whole config (missing fields take their default). Errors name the field and the allowed range. */
export function validateConfig<S extends Schema>(schema: ConfigSchema<S>, raw: Partial<Record<string, unknown>>): { value: ConfigOf<S>; errors: FieldError[] } {
  const value = { ...defaults(schema) } as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const k of Object.keys(raw)) if (!(k in schema.fields)) errors.push({ field: k, message: `unknown setting (known: ${Object.keys(schema.fields).join(', ')})` });
  for (const [k, f] of Object.entries(schema.fields)) {
    if (!(k in raw) || raw[k] === undefined) continue;
    const msg = checkField(f, raw[k]);
    if (msg) errors.push({ field: k, message: msg });
    else value[k] = raw[k];
  }
  // cross-field checks run on the valid fields (invalid ones are at their defaults here), so every problem shows at once
  if (schema.check) errors.push(...schema.check(value as ConfigOf<S>));
  return { value: value as ConfigOf<S>, errors };
}

/** "steps: must be an integer in [1, 100000] (got 0)" */
export const formatError = (e: FieldError, prefix = '') => `${prefix}${e.field}: ${e.message}`;

/**
 * What a panel's slice shows when Train is pressed with invalid settings (nothing starts); null when they are valid.
 * With the form's `fields`, each error names the field by the label the form shows (`"width (0 = default)": …`).
 */
export function refusal(errors: FieldError[], fields?: Schema): { status: 'error'; fieldErrors: FieldError[]; error: string } | null {
  const name = (e: FieldError) => (fields?.[e.field] ? `"${fields[e.field].label}": ${e.message}` : formatError(e));
  return errors.length ? { status: 'error', fieldErrors: errors, error: `invalid settings: ${errors.map(name).join('; ')}` } : null;
}

/** Read the string form of a value (URL, CLI). Returns undefined when it does not parse; bounds are checked by checkField. */
export function parseField(f: FieldSpec, raw: string): unknown {
  const num = (s: string) => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : undefined);
  switch (f.type) {
    case 'int':
    case 'number':
      return num(raw);
    case 'enum':
    case 'string':
      return raw;
    case 'bool':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : undefined;
    case 'list': {
      const parts = raw === '' ? [] : raw.split(',').map((s) => s.trim());
      if (f.of === 'enum') return parts;
      const xs = parts.map(num);
      return xs.every((x) => x !== undefined) ? xs : undefined;
    }
  }
}

export function formatField(f: FieldSpec, v: unknown): string {
  return f.type === 'list' ? (v as unknown[]).join(',') : String(v);
}

/** Stable hash of a config (field order fixed by the schema): part of a run's key. */
export function configHash(schema: ConfigSchema, cfg: Record<string, unknown>): string {
  const s = JSON.stringify(Object.keys(schema.fields).map((k) => [k, cfg[k]]));
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
