import { expect } from 'vitest';

type Missing<T, K extends readonly PropertyKey[]> = Exclude<keyof T, K[number]>;

/**
 * The field names of type T, checked by the compiler to be all of them (a field added to the
 * SDK type and not listed here fails `tsc`): `fieldsOf<Job>()(['id', 'object', …])`.
 */
export function fieldsOf<T extends object>() {
  return <const K extends readonly (keyof T & string)[]>(
    keys: K & ([Missing<T, K>] extends [never] ? unknown : { missing: Missing<T, K> }),
  ): readonly string[] => keys;
}

/**
 * Asserts a real gateway answer has every field the SDK type declares (all but `optional`)
 * and, with `exact`, no field the type does not declare — so SDK types cannot drift from
 * what the gateway sends without a test failing.
 */
export function expectFields(
  value: unknown,
  declared: readonly string[],
  { optional = [], exact = true }: { optional?: readonly string[]; exact?: boolean } = {},
): void {
  expect(value, 'an object').toBeTypeOf('object');
  const actual = Object.keys(value as object);
  const required = declared.filter((field) => !optional.includes(field));
  expect(actual, 'fields the SDK type declares').toEqual(expect.arrayContaining(required));
  if (exact) {
    const undeclared = actual.filter((field) => !declared.includes(field));
    expect(undeclared, 'fields the gateway sends that the SDK type lacks').toEqual([]);
  }
}
