// Entry of the detector worker thread: the sources are TypeScript, so register tsx in this thread
// (module hooks are per thread) before loading them.
import { register } from 'tsx/esm/api';

register();
await import('./detector-thread.ts');
