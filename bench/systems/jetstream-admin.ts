import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';

/** Deletes streams, ignoring those that do not exist. */
export async function deleteStreams(jsm: JetStreamManager, names: readonly string[]): Promise<void> {
  for (const name of names) {
    try {
      await jsm.streams.delete(name);
    } catch (e) {
      if (!(e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound)) throw e;
    }
  }
}
