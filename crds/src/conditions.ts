import { array, dateTime, enumOf, int, object, required, string } from './schema.ts';

/**
 * metav1.Condition, field for field (limits and patterns included), so `kubectl wait
 * --for=condition=Ready` and every tool that reads conditions understand ours.
 */
export const condition = object(
  {
    type: required(
      string({
        description: 'Type of condition in CamelCase, e.g. Ready.',
        maxLength: 316,
        pattern:
          '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
        patternHint: 'a qualified name',
      }),
    ),
    status: required(enumOf(['True', 'False', 'Unknown'], { description: 'Status of the condition.' })),
    observedGeneration: int({
      description: 'The .metadata.generation the condition was set for.',
      format: 'int64',
      minimum: 0,
    }),
    lastTransitionTime: required(dateTime({ description: 'Last time the status changed.' })),
    reason: required(
      string({
        description: 'Machine-readable reason for the last transition, in CamelCase.',
        minLength: 1,
        maxLength: 1024,
        pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
        patternHint: 'CamelCase',
      }),
    ),
    message: required(string({ description: 'Human-readable details of the last transition.', maxLength: 32768 })),
  },
  { description: 'One observation of the object\'s state.' },
);

export const conditions = array(condition, {
  description: 'Standard conditions; Ready summarises the object.',
  listType: 'map',
  mapKeys: ['type'],
});
