import { signal } from '@angular/core';

import { problemsOf } from './errors';

/**
 * Where an input error belongs, read from the server's `extensions.field`: the dotted path of
 * the input from the operation's argument (`input.serialNumber`, `input.cameraModels.1`,
 * `inputs.3.name`, `note`). Nothing here reads the message.
 */
export interface FieldRef {
  /** The path as the server sent it. */
  path: string;
  /** The form control it is about: the first segment once `input.` or `inputs.N.` is taken
   * off (`input.cameraModels.1` -> `cameraModels`, `note` -> `note`); null when the path names
   * a whole input (`input`, `inputs.3`). */
  control: string | null;
  /** The position in that control's list when the path goes on with one (`cameraModels.1` -> 1). */
  index: number | null;
  /** The item of a bulk call (`inputs.3.name` -> 3); null for anything else. */
  item: number | null;
}

/** What carries a field path: a GraphQL error (its `extensions`), the extensions themselves,
 * or one of a bulk error's `extensions.items`. */
export type FieldSource =
  | { readonly extensions?: Readonly<Record<string, unknown>> | null }
  | { readonly field?: unknown }
  | string
  | null
  | undefined;

/** A list position: digits only (`0`, `12`). */
function position(segment: string | undefined): number | null {
  if (!segment || [...segment].some((c) => c < '0' || c > '9')) return null;
  return Number(segment);
}

/** The field an error, its extensions, a bulk item or a bare path is about; null when it
 * names none (other codes than BAD_USER_INPUT carry no `field`). */
export function fieldOf(source: FieldSource): FieldRef | null {
  let path: unknown = source;
  if (source && typeof source === 'object') {
    path = 'extensions' in source ? source.extensions?.['field'] : (source as { field?: unknown }).field;
  }
  if (typeof path !== 'string' || !path) return null;
  let rest = path.split('.');
  if (rest.some((segment) => !segment)) return null;
  let item: number | null = null;
  if (rest[0] === 'input') {
    rest = rest.slice(1);
  } else if (rest[0] === 'inputs') {
    item = position(rest[1]);
    rest = rest.slice(item === null ? 1 : 2);
  }
  const control = rest[0] !== undefined && position(rest[0]) === null ? rest[0] : null;
  return { path, control, index: control === null ? null : position(rest[1]), item };
}

/** A form's server errors, split between its controls and the form itself. */
export interface Placed {
  /** The messages about each control, joined when there are several. */
  fields: Record<string, string>;
  /** Which positions of a list control are wrong (`cameraModels` -> [1]). */
  indexes: Record<string, number[]>;
  /** What belongs to no control of the form, as one message; null when nothing does. */
  form: string | null;
}

/**
 * Places every problem of a refused mutation beside its control, from `extensions.field`; what
 * names no control of `controls` (another code, no field, a field this form lacks) goes to the
 * form. `byCode` places a code that carries no field where the schema says it belongs
 * (registerDrone's CONFLICT is its serial number).
 */
export function place(
  error: unknown,
  controls: readonly string[],
  byCode: Readonly<Record<string, string>> = {},
): Placed {
  const fields: Record<string, string[]> = {};
  const indexes: Record<string, number[]> = {};
  const form: string[] = [];
  for (const problem of problemsOf(error)) {
    const at = fieldOf(problem.field);
    const control = at?.control ?? byCode[problem.code] ?? null;
    if (control === null || !controls.includes(control)) {
      form.push(problem.message);
      continue;
    }
    (fields[control] ??= []).push(problem.message);
    if (at?.control === control && at.index !== null) (indexes[control] ??= []).push(at.index);
  }
  return {
    fields: Object.fromEntries(Object.entries(fields).map(([c, messages]) => [c, messages.join(' ')])),
    indexes,
    form: form.join(' ') || null,
  };
}

/** One form's server errors as signals, for its template: `errors.at('name')`, `errors.form()`. */
export class FormErrors {
  readonly fields = signal<Record<string, string>>({});
  readonly indexes = signal<Record<string, number[]>>({});
  readonly form = signal<string | null>(null);

  constructor(
    private readonly controls: readonly string[],
    private readonly byCode: Readonly<Record<string, string>> = {},
  ) {}

  /** The message beside `control`, if any. */
  at(control: string): string | undefined {
    return this.fields()[control];
  }

  /** Whether position `index` of the list `control` is one the server refused. */
  wrongAt(control: string, index: number): boolean {
    return this.indexes()[control]?.includes(index) ?? false;
  }

  show(error: unknown): void {
    const placed = place(error, this.controls, this.byCode);
    this.fields.set(placed.fields);
    this.indexes.set(placed.indexes);
    this.form.set(placed.form);
  }

  clear(): void {
    this.fields.set({});
    this.indexes.set({});
    this.form.set(null);
  }
}
