/**
 * Payload validation without a dependency: any Standard Schema v1 validator (zod, valibot,
 * arktype, effect schema all implement https://standardschema.dev) or a plain function that
 * returns the parsed payload or throws.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}
type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> }> };

export type PayloadSchema<P> = StandardSchemaV1<unknown, P> | ((input: unknown) => P);

export type ValidationOutcome<P> = { ok: true; value: P } | { ok: false; issues: string[] };

function pathOf(path: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined): string {
  if (!path || path.length === 0) return '';
  return path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.') + ': ';
}

export async function validatePayload<P>(schema: PayloadSchema<P>, input: unknown): Promise<ValidationOutcome<P>> {
  if (typeof schema === 'function') {
    try {
      return { ok: true, value: schema(input) };
    } catch (e) {
      return { ok: false, issues: [e instanceof Error ? e.message : String(e)] };
    }
  }
  const result = await schema['~standard'].validate(input);
  if (result.issues) return { ok: false, issues: result.issues.map((i) => pathOf(i.path) + i.message) };
  return { ok: true, value: result.value };
}
