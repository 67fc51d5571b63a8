/**
 * A small schema builder: each call returns one node that carries, together,
 * - the structural OpenAPI v3 schema the CRD needs (`openapi`),
 * - what the reference docs show about it (`doc`),
 * - and, as phantom types, the TypeScript shape of the field as stored (defaults applied by the
 *   API server) and as written in a manifest (defaulted fields optional).
 * So the CRD YAML, docs/crd-reference.md and the operator's types all come from one definition.
 */
import { BYTE_SIZE_PATTERN } from './byte-size.ts';
import { DURATION_MAX_LENGTH, DURATION_PATTERN, guardedDurationRule } from './duration.ts';

/** The part of apiextensions.k8s.io/v1 JSONSchemaProps that structural schemas use. */
export interface JSONSchemaProps {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  default?: unknown;
  enum?: readonly (string | number)[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  items?: JSONSchemaProps;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  additionalProperties?: JSONSchemaProps;
  anyOf?: JSONSchemaProps[];
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: ValidationRule[];
}

/** A CEL rule (x-kubernetes-validations). `message` is also what the docs show. */
export interface ValidationRule {
  rule: string;
  message: string;
  messageExpression?: string;
  /** Relative path (".minReplicas") so the API server's error names the offending field. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** optional: may be absent; required: must be written; defaulted: absent in a manifest, filled by the API server. */
export type Presence = 'optional' | 'required' | 'defaulted';

export interface Schema<Out, In = Out, P extends Presence = Presence> {
  readonly openapi: JSONSchemaProps;
  readonly doc: { readonly type: string; readonly constraints: readonly string[] };
  readonly presence: P;
  readonly fields?: Readonly<Record<string, AnySchema>>;
  readonly items?: AnySchema;
  readonly values?: AnySchema;
  /** Phantom: never set at run time, only carries the types. */
  readonly __types?: { readonly out: Out; readonly in: In };
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: any node fits here
export type AnySchema = Schema<any, any, Presence>;

/** The type of a value as read back from the API server (defaults applied). */
export type Stored<S> = S extends Schema<infer O, unknown, Presence> ? O : never;
/** The type of a value as written in a manifest. */
export type Authored<S> = S extends Schema<unknown, infer I, Presence> ? I : never;

type PresenceOf<S> = S extends Schema<unknown, unknown, infer P> ? P : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type Fields = Record<string, AnySchema>;
type StoredObject<F extends Fields> = Simplify<
  { -readonly [K in keyof F as PresenceOf<F[K]> extends 'optional' ? never : K]: Stored<F[K]> } & {
    -readonly [K in keyof F as PresenceOf<F[K]> extends 'optional' ? K : never]?: Stored<F[K]>;
  }
>;
type AuthoredObject<F extends Fields> = Simplify<
  { -readonly [K in keyof F as PresenceOf<F[K]> extends 'required' ? K : never]: Authored<F[K]> } & {
    -readonly [K in keyof F as PresenceOf<F[K]> extends 'required' ? never : K]?: Authored<F[K]>;
  }
>;
type Defaulted<O> = O extends { default: unknown } ? 'defaulted' : 'optional';

interface Common<T> {
  description: string;
  default?: T;
  /** Adds the CEL transition rule `self == oldSelf`. */
  immutable?: boolean;
  rules?: readonly ValidationRule[];
}

const IMMUTABLE: ValidationRule = { rule: 'self == oldSelf', message: 'field is immutable' };

function node<O, I, P extends Presence>(
  o: Common<unknown>,
  openapi: JSONSchemaProps,
  type: string,
  constraints: readonly (string | false | undefined)[],
  children: Pick<AnySchema, 'fields' | 'items' | 'values'> = {},
): Schema<O, I, P> {
  const rules = [...(o.rules ?? []), ...(o.immutable ? [IMMUTABLE] : [])];
  return {
    openapi: compact({
      description: o.description,
      ...openapi,
      default: o.default,
      'x-kubernetes-validations': rules.length > 0 ? rules : undefined,
    }),
    doc: {
      type,
      constraints: [
        ...constraints.filter((c): c is string => typeof c === 'string'),
        ...(o.immutable ? ['immutable'] : []),
        ...(o.rules ?? []).map((r) => r.message),
      ],
    },
    presence: (o.default === undefined ? 'optional' : 'defaulted') as P,
    ...children,
  };
}

/** Drops undefined keys so the generated YAML and equality checks see only what is set. */
function compact(props: JSONSchemaProps): JSONSchemaProps {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as JSONSchemaProps;
}

function range(min: number | undefined, max: number | undefined): string | undefined {
  if (min !== undefined && max !== undefined) return `${min} to ${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (max !== undefined) return `at most ${max}`;
  return undefined;
}

export interface StringOptions extends Common<string> {
  pattern?: string;
  /** Shown in the docs instead of the raw pattern. */
  patternHint?: string;
  minLength?: number;
  maxLength?: number;
  format?: string;
}

export function string<const O extends StringOptions>(o: O): Schema<string, string, Defaulted<O>> {
  const { pattern, minLength, maxLength, format } = o;
  return node(o, { type: 'string', format, pattern, minLength, maxLength }, format ?? 'string', [
    o.patternHint ?? (pattern === undefined ? undefined : `matches \`${pattern}\``),
    minLength === 1 ? 'not empty' : minLength === undefined ? undefined : `at least ${minLength} characters`,
    maxLength === undefined ? undefined : `at most ${maxLength} characters`,
  ]);
}

export function dateTime<const O extends Common<string>>(o: O): Schema<string, string, Defaulted<O>> {
  return node(o, { type: 'string', format: 'date-time' }, 'date-time (RFC 3339)', []);
}

export interface IntOptions extends Common<number> {
  minimum?: number;
  maximum?: number;
  /** int64 for counters and sizes that may pass 2^31; values stay exact in JS up to 2^53. */
  format?: 'int32' | 'int64';
  enum?: readonly number[];
}

export function int<const O extends IntOptions>(o: O): Schema<number, number, Defaulted<O>> {
  const { minimum, maximum, format = 'int32' } = o;
  const values = o.enum === undefined ? undefined : [...o.enum];
  return node(o, { type: 'integer', format, minimum, maximum, enum: values }, values ? values.join(' | ') : 'integer', [
    range(minimum, maximum),
  ]);
}

export function number<const O extends Common<number> & { minimum?: number }>(o: O): Schema<number, number, Defaulted<O>> {
  return node(o, { type: 'number', minimum: o.minimum }, 'number', [range(o.minimum, undefined)]);
}

export function bool<const O extends Common<boolean>>(o: O): Schema<boolean, boolean, Defaulted<O>> {
  return node(o, { type: 'boolean' }, 'boolean', []);
}

export function enumOf<const V extends readonly [string, ...string[]], const O extends Common<V[number]>>(
  values: V,
  o: O,
): Schema<V[number], V[number], Defaulted<O>> {
  return node(o, { type: 'string', enum: [...values] }, values.join(' | '), []);
}

export interface DurationOptions extends Common<string> {
  /** Inclusive bounds, checked by CEL's duration() so the API server compares real durations. */
  min?: string;
  max?: string;
}

export function duration<const O extends DurationOptions>(o: O): Schema<string, string, Defaulted<O>> {
  const bounds: ValidationRule[] = [];
  const bound = (op: '>=' | '<=', limit: string) => guardedDurationRule(['self'], `duration(self) ${op} duration('${limit}')`);
  if (o.min !== undefined) bounds.push({ rule: bound('>=', o.min), message: `must be at least ${o.min}` });
  if (o.max !== undefined) bounds.push({ rule: bound('<=', o.max), message: `must be at most ${o.max}` });
  return node(
    { ...o, rules: [...bounds, ...(o.rules ?? [])] },
    { type: 'string', pattern: DURATION_PATTERN, maxLength: DURATION_MAX_LENGTH },
    'duration',
    [],
  );
}

/** Bytes as an integer or a suffixed string ("512Mi"); see byte-size.ts. */
export function byteSize<const O extends Common<number | string>>(o: O): Schema<number | string, number | string, Defaulted<O>> {
  // The pattern only checks strings; without the minimum a negative number of bytes got through.
  return node(o, { ...intOrString(BYTE_SIZE_PATTERN), minimum: 0 }, 'byte size', []);
}

/** resource.Quantity's own pattern, as controller-gen emits it for core types. */
const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** A Kubernetes resource quantity ("500m", "1Gi", 2). */
export function quantity<const O extends Common<number | string>>(o: O): Schema<number | string, number | string, Defaulted<O>> {
  return node(o, intOrString(QUANTITY_PATTERN), 'quantity', []);
}

function intOrString(pattern: string): JSONSchemaProps {
  return { anyOf: [{ type: 'integer' }, { type: 'string' }], pattern, 'x-kubernetes-int-or-string': true };
}

export function object<const F extends Fields, const O extends Common<AuthoredObject<F>>>(
  fields: F,
  o: O,
): Schema<StoredObject<F>, AuthoredObject<F>, Defaulted<O>> {
  const names = Object.keys(fields);
  const required = names.filter((k) => fields[k]?.presence === 'required');
  const properties = Object.fromEntries(names.map((k) => [k, fields[k]?.openapi ?? {}]));
  // The API server checks a default against the CEL rules as written, before nested defaults
  // apply, so `default: {}` would fail a rule that reads a defaulted field: expand it here.
  const expanded = o.default === undefined ? o : { ...o, default: fill({ fields }, o.default) };
  return node(expanded, { type: 'object', properties, ...(required.length > 0 ? { required } : {}) }, 'object', [], { fields });
}

/** An object whose fields the schema does not describe (pod template overrides, env valueFrom). */
export function looseObject<const O extends Common<Record<string, unknown>>>(
  o: O,
): Schema<Record<string, unknown>, Record<string, unknown>, Defaulted<O>> {
  return node(o, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, 'object (free-form)', []);
}

/** Any JSON value (object, array, string, number, boolean), kept as written: task payloads. */
export function anyJson<const O extends Common<unknown>>(o: O): Schema<unknown, unknown, Defaulted<O>> {
  return node(o, { 'x-kubernetes-preserve-unknown-fields': true }, 'any JSON', []);
}

export interface ArrayOptions<T> extends Common<T[]> {
  minItems?: number;
  maxItems?: number;
  /** set: unique scalars; map: objects unique by `mapKeys` (Kubernetes list semantics). */
  listType?: 'atomic' | 'set' | 'map';
  mapKeys?: readonly string[];
}

export function array<I extends AnySchema, const O extends ArrayOptions<Authored<I>>>(
  items: I,
  o: O,
): Schema<Stored<I>[], Authored<I>[], Defaulted<O>> {
  const { minItems, maxItems, listType, mapKeys } = o;
  const openapi: JSONSchemaProps = {
    type: 'array',
    items: items.openapi,
    minItems,
    maxItems,
    'x-kubernetes-list-type': listType,
    'x-kubernetes-list-map-keys': mapKeys === undefined ? undefined : [...mapKeys],
  };
  return node(o, openapi, `[]${items.doc.type}`, [
    minItems === 1 ? 'not empty' : minItems === undefined ? undefined : `at least ${minItems} items`,
    maxItems === undefined ? undefined : `at most ${maxItems} items`,
    listType === 'set' ? 'unique items' : undefined,
    listType === 'map' ? `unique by ${mapKeys?.join(', ')}` : undefined,
  ], { items });
}

export function map<V extends AnySchema, const O extends Common<Record<string, Authored<V>>>>(
  values: V,
  o: O,
): Schema<Record<string, Stored<V>>, Record<string, Authored<V>>, Defaulted<O>> {
  return node(o, { type: 'object', additionalProperties: values.openapi }, `map[string]${values.doc.type}`, [], { values });
}

/** Marks a field as one a manifest must set. */
export function required<O, I>(s: Schema<O, I, 'optional'>): Schema<O, I, 'required'> {
  return { ...s, presence: 'required', doc: { ...s.doc, constraints: ['required', ...s.doc.constraints] } };
}

/**
 * Fills in defaults the way the API server's structural defaulting does: a missing (or null)
 * field with a default gets a copy of it, then defaulting continues inside, so `default: {}` on
 * an object brings its fields' defaults along. Lets tests and tools build stored-shape objects.
 */
export function applyDefaults<S extends AnySchema>(schema: S, value: Authored<S>): Stored<S> {
  return fill(schema, value) as Stored<S>;
}

function fill(schema: Pick<AnySchema, 'fields' | 'items' | 'values'>, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (schema.items ? fill(schema.items, v) : v));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  if (schema.fields) {
    for (const [name, field] of Object.entries(schema.fields)) {
      const present = out[name] !== undefined && out[name] !== null;
      if (!present && field.openapi.default !== undefined) out[name] = structuredClone(field.openapi.default);
      if (out[name] !== undefined && out[name] !== null) out[name] = fill(field, out[name]);
    }
  } else if (schema.values) {
    for (const [k, v] of Object.entries(out)) out[k] = fill(schema.values, v);
  }
  return out;
}

/** Every node under `schema` with its path ("spec.retry.backoff.type", "spec.env[].name"). */
export function* walk(schema: AnySchema, path: string): Generator<[string, AnySchema]> {
  yield [path, schema];
  for (const [name, field] of Object.entries(schema.fields ?? {})) yield* walk(field, `${path}.${name}`);
  if (schema.items) yield* walk(schema.items, `${path}[]`);
  if (schema.values) yield* walk(schema.values, `${path}.<key>`);
}
