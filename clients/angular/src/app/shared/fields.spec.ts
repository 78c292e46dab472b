import { CombinedGraphQLErrors } from '@apollo/client/errors';
import type { GraphQLFormattedError } from 'graphql';
import { describe, expect, it } from 'vitest';

import { FormErrors, fieldOf, place } from './fields';

const bad = (message: string, field?: string, more: Record<string, unknown> = {}): GraphQLFormattedError => ({
  message,
  extensions: { code: 'BAD_USER_INPUT', ...(field === undefined ? {} : { field }), ...more },
});

const refused = (...errors: GraphQLFormattedError[]) => new CombinedGraphQLErrors({ errors });

describe('fieldOf', () => {
  it('reads a single input path: the argument prefix off, the field as the control', () => {
    expect(fieldOf(bad('name must be at most 200 characters', 'input.name'))).toEqual({
      path: 'input.name',
      control: 'name',
      index: null,
      item: null,
    });
    // An argument of its own is its own control.
    expect(fieldOf(bad('note must be at most 2000 characters', 'note'))?.control).toBe('note');
    expect(fieldOf({ field: 'dueBackAt' })?.control).toBe('dueBackAt');
  });

  it('takes the extensions, a bare path or the error alike', () => {
    const error = bad('serialNumber must not be empty', 'input.serialNumber');
    expect(fieldOf(error.extensions)).toEqual(fieldOf(error));
    expect(fieldOf('input.serialNumber')).toEqual(fieldOf(error));
  });

  it('keeps the list index of a nested path apart from the control', () => {
    expect(fieldOf(bad('unknown camera model "X9"', 'input.cameraModels.1'))).toEqual({
      path: 'input.cameraModels.1',
      control: 'cameraModels',
      index: 1,
      item: null,
    });
    expect(fieldOf('input.tags.0')).toMatchObject({ control: 'tags', index: 0 });
    // Deeper than a list position: still the first segment's control, no index.
    expect(fieldOf('filter.and.0.name.in')).toMatchObject({ control: 'filter', index: null, item: null });
  });

  it('gives a bulk item its index, from the item path and from extensions.items', () => {
    expect(fieldOf('inputs.3.serialNumber')).toEqual({
      path: 'inputs.3.serialNumber',
      control: 'serialNumber',
      index: null,
      item: 3,
    });
    const item = { index: 3, message: 'unknown camera model "X9"', field: 'inputs.3.cameraModels.1' };
    expect(fieldOf(item)).toEqual({ path: item.field, control: 'cameraModels', index: 1, item: 3 });
    expect(fieldOf('inputs.12')).toEqual({ path: 'inputs.12', control: null, index: null, item: 12 });
  });

  it('names no control when the field is missing, malformed or the whole input', () => {
    const unauthenticated: GraphQLFormattedError = { message: 'Your session has ended.', extensions: { code: 'UNAUTHENTICATED' } };
    const bare: GraphQLFormattedError = { message: 'no extensions' };
    expect(fieldOf(unauthenticated)).toBeNull();
    expect(fieldOf(bare)).toBeNull();
    expect(fieldOf(undefined)).toBeNull();
    expect(fieldOf('')).toBeNull();
    expect(fieldOf({ field: 42 })).toBeNull();
    expect(fieldOf('input..name')).toBeNull();
    expect(fieldOf('input')).toMatchObject({ control: null, item: null });
    expect(fieldOf('inputs')).toMatchObject({ control: null, item: null });
  });
});

describe('place', () => {
  const controls = ['serialNumber', 'name', 'brand', 'cameraModels'];

  it('puts every error beside its control at once, and the rest on the form', () => {
    const placed = place(
      refused(
        bad('name must be at most 200 characters', 'input.name'),
        bad('unknown camera model "X9"', 'input.cameraModels.1'),
        bad('is about a field this form lacks', 'input.maintenanceIntervalDays'),
        bad('names no field'),
      ),
      controls,
    );
    expect(placed.fields).toEqual({
      name: 'name must be at most 200 characters',
      cameraModels: 'unknown camera model "X9"',
    });
    expect(placed.indexes).toEqual({ cameraModels: [1] });
    expect(placed.form).toBe('is about a field this form lacks names no field');
  });

  it('joins several messages about one control', () => {
    const placed = place(refused(bad('first', 'input.name'), bad('second', 'input.name')), controls);
    expect(placed.fields).toEqual({ name: 'first second' });
  });

  it('words other codes for people, on the form unless the form places their code', () => {
    const conflict = refused({
      message: 'a drone with serial number "A1" is already registered',
      extensions: { code: 'CONFLICT' },
    });
    expect(place(conflict, controls)).toEqual({
      fields: {},
      indexes: {},
      form: 'a drone with serial number "A1" is already registered',
    });
    expect(place(conflict, controls, { CONFLICT: 'serialNumber' }).fields).toEqual({
      serialNumber: 'a drone with serial number "A1" is already registered',
    });
    const forbidden = refused({ message: 'forbidden', extensions: { code: 'FORBIDDEN' } });
    expect(place(forbidden, controls).form).toBe('Your account may not do this. Ask the support team.');
    expect(place(new Error('offline'), controls).form).toBe(
      'Hangar cannot be reached. Check your connection and try again.',
    );
  });
});

describe('FormErrors', () => {
  it('shows a refusal as signals, and clears them', () => {
    const errors = new FormErrors(['note', 'dueBackAt', 'tags']);
    errors.show(refused(bad('dueBackAt must be in the future', 'dueBackAt'), bad('not here', 'to')));
    expect(errors.at('dueBackAt')).toBe('dueBackAt must be in the future');
    expect(errors.at('note')).toBeUndefined();
    expect(errors.form()).toBe('not here');
    errors.show(refused(bad('tags must be at most 50 characters', 'input.tags.2')));
    expect(errors.at('dueBackAt')).toBeUndefined();
    expect(errors.wrongAt('tags', 2)).toBe(true);
    expect(errors.wrongAt('tags', 0)).toBe(false);
    errors.clear();
    expect(errors.fields()).toEqual({});
    expect(errors.form()).toBeNull();
  });
});
