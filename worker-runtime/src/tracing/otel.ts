import type * as OtelApi from '@opentelemetry/api';

/**
 * `@opentelemetry/api` is an optional peer dependency: an app that never installs it gets no
 * tracing and pays nothing. Loaded once; the app's SDK and ours meet through the API's global
 * registry, whichever copy of the API each of them imported.
 */
export const otel: typeof OtelApi | undefined = await import('@opentelemetry/api').then(
  (m) => m,
  () => undefined,
);

/** The instrumentation scope of Celeriac's spans. */
const SCOPE = 'celeriac';

/**
 * The tracer, or undefined while no SDK is registered. Asked on every attempt and enqueue, so it
 * is a global lookup and a map hit in the SDK, nothing more: without an SDK no span object,
 * context or attribute record is made, and a task's headers are not decoded for a traceparent.
 */
export function activeTracer(): OtelApi.Tracer | undefined {
  if (!otel) return undefined;
  const provider = otel.trace.getTracerProvider();
  // The API's own provider forwards to the SDK's once one registers; until then it has no delegate.
  return provider instanceof otel.ProxyTracerProvider ? provider.getDelegateTracer(SCOPE) : provider.getTracer(SCOPE);
}
