/**
 * Fuzzing bad input: configurations, API requests, job payloads and videos, each from a seed, each
 * outcome classed as accepted, refused clearly (the thing and the reason named), refused unclearly,
 * or a crash (an exception from validation code, a 5xx, a hung or lost job, a dead run, a deleted
 * file). Exits 1 unless every refusal is clear and nothing crashed.
 *
 *   npm run test:fuzz                                   # 2000 configs, 2000 requests, 300 jobs, videos with 8K
 *   npm run test:fuzz -- --seed 7 --configs 200 --api 200 --jobs 50 --no-big
 */
import { parseArgs } from 'node:util';
import { fuzzApi } from './fuzz-api.ts';
import { fuzzConfigs } from './fuzz-config.ts';
import { fuzzJobs } from './fuzz-jobs.ts';
import { fuzzVideos } from './fuzz-videos.ts';
import { type FuzzTally, random } from './mutate.ts';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    configs: { type: 'string', default: '2000' },
    api: { type: 'string', default: '2000' },
    jobs: { type: 'string', default: '300' },
    'no-big': { type: 'boolean', default: false },
  },
});
const seed = Number(args.seed);
const tallies: FuzzTally[] = [];
const t0 = performance.now();
tallies.push(fuzzConfigs(random(seed), Number(args.configs)));
tallies.push(await fuzzApi(random(seed + 1), Number(args.api)));
tallies.push(await fuzzJobs(random(seed + 2), Number(args.jobs)));
tallies.push(await fuzzVideos(random(seed + 3), { big: !args['no-big'] }));

console.log('| input | cases | accepted | refused clearly | refused unclearly | crashed |');
console.log('| ----- | ----: | -------: | --------------: | ----------------: | ------: |');
for (const t of tallies)
  console.log(`| ${t.target} | ${t.cases} | ${t.accepted} | ${t.clear} | ${t.unclear} | ${t.crashed} |`);
for (const t of tallies) for (const e of t.examples) console.log(`${t.target}: ${e}`);
const bad = tallies.reduce((n, t) => n + t.unclear + t.crashed, 0);
console.log(
  JSON.stringify({
    phase: 'fuzz',
    seed,
    seconds: Math.round((performance.now() - t0) / 1000),
    tallies: tallies.map(({ examples: _e, ...t }) => t),
  }),
);
console.log(bad ? `FUZZ: ${bad} unclear or crashed` : 'FUZZ: every refusal clear, 0 crashes');
process.exit(bad ? 1 : 0);
