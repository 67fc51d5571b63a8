// The demo's tasks: a thumbnail job that takes a few milliseconds, like a real I/O-bound task.
import { defineTask } from 'celeriac';

export const thumbnail = defineTask('images.thumbnail', async (p: { image: string; size: number }) => {
  await new Promise((r) => setTimeout(r, 30));
  return { thumbnail: `${p.image}@${p.size}px`, by: process.env.CELERIAC_WORKER_NAME };
});
