// A stage's settings form from its schema (src/stages/schema.ts): one input per field (number, select, checkbox, text)
// with the field's label, bounds and help, and the field's validation message beside it (data-testid
// `<prefix>-<field>` and `<prefix>-error-<field>`). Values and errors come from the caller's slice; no math here.
import { useEffect, useState } from 'react';
import type { FieldError, FieldSpec } from '../../stages/schema';

const CSS = `
.schema-form { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; margin: 6px 0; }
.schema-form label { display: inline-flex; gap: 6px; align-items: center; }
.schema-form label > span:first-child { color: var(--muted); }
.schema-form input[type='number'] { width: 6.5rem; }
.schema-form .field-error { font-size: 12px; }
.schema-form input[aria-invalid='true'], .schema-form select[aria-invalid='true'] { border-color: var(--bad); background: var(--bad-bg); }
`;

/** A number input that keeps what the user typed (e.g. "-" or "1e") while the value is not yet a number. */
function NumberInput({ value, onChange, ...rest }: { value: number; onChange(v: number): void } & Omit<React.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>) {
  const [text, setText] = useState(Number.isNaN(value) ? '' : String(value));
  useEffect(() => setText((t) => (Number(t) === value || (t === '' && Number.isNaN(value)) ? t : String(value))), [value]);
  return (
    <input
      type="number"
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(e.target.value.trim() === '' ? NaN : Number(e.target.value));
      }}
      {...rest}
    />
  );
}

export function SchemaForm<V extends Record<string, unknown>>(props: {
  fields: Record<string, FieldSpec>;
  value: V;
  onChange(patch: Partial<V>): void;
  errors: FieldError[];
  prefix: string;
  disabled?: boolean;
  /** fields rendered elsewhere by the panel */
  omit?: readonly string[];
  /** data-testid overrides by field */
  testIds?: Record<string, string>;
}) {
  const { fields, value, onChange, errors, prefix, disabled } = props;
  return (
    <div className="schema-form" data-testid={`${prefix}-form`}>
      <style>{CSS}</style>
      {Object.entries(fields)
        .filter(([k]) => !props.omit?.includes(k))
        .map(([k, f]) => {
          const err = errors.find((e) => e.field === k)?.message ?? null;
          const id = props.testIds?.[k] ?? `${prefix}-${k}`;
          const common = { 'data-testid': id, disabled, 'aria-invalid': err ? true : undefined, title: err ?? f.help } as const;
          const set = (v: unknown) => onChange({ [k]: v } as Partial<V>);
          let input: React.ReactNode;
          if (f.type === 'int' || f.type === 'number')
            input = <NumberInput {...common} value={value[k] as number} step={f.type === 'int' ? 1 : 'any'} min={f.min} max={f.max} onChange={set} />;
          else if (f.type === 'enum')
            input = (
              <select {...common} value={String(value[k])} onChange={(e) => set(e.target.value)}>
                {f.values.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            );
          else if (f.type === 'bool') input = <input {...common} type="checkbox" checked={value[k] as boolean} onChange={(e) => set(e.target.checked)} />;
          else if (f.type === 'string') input = <input {...common} type="text" size={28} value={String(value[k] ?? '')} onChange={(e) => set(e.target.value)} />;
          else input = <input {...common} type="text" value={(value[k] as unknown[]).join(',')} onChange={(e) => set(e.target.value.split(',').map((x) => (f.of === 'number' ? Number(x) : x.trim())))} />;
          return (
            <label key={k}>
              <span>{f.label}</span>
              {input}
              {err && (
                <span className="bad field-error" data-testid={`${prefix}-error-${k}`}>
                  {err}
                </span>
              )}
            </label>
          );
        })}
    </div>
  );
}
