import { openStore } from '../open-store.ts';
import { configFrom } from './common.ts';

export async function migrateCommand(opts: { config?: string; dataDir?: string }) {
  const cfg = configFrom(opts);
  const store = await openStore(cfg);
  await store.close();
  process.stdout.write(store.applied.length ? `applied: ${store.applied.join(', ')}\n` : 'up to date\n');
}
