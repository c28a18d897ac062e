import { Command, InvalidArgumentError } from 'commander';
import { CAMERA_ID_PATTERN } from '../../schemas/config.ts';

const positive = (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
};
const cameraId = (v: string) => {
  if (!new RegExp(CAMERA_ID_PATTERN).test(v)) {
    throw new InvalidArgumentError(
      `${JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v)} is not a camera id: 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  }
  return v;
};
const plateCountry = (v: string) => {
  if (v !== 'auto' && v !== 'VN' && v !== 'none') throw new InvalidArgumentError('must be auto, VN or none');
  return v;
};
const detectorFormat = (v: string) => {
  if (v !== 'yolo' && v !== 'end2end') throw new InvalidArgumentError('must be yolo or end2end');
  return v;
};
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!(Number.isInteger(n) && n > 0)) throw new InvalidArgumentError('must be a positive integer');
  return n;
};
const score = (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('must be a number in (0, 1)');
  return n;
};

/**
 * A command's action, loaded when the command runs: each command's modules (the pipeline, the API
 * server, the plate reader) take up to a second to load, and `cityflow query` needs none of the others.
 */
function later<M extends Record<K, (...args: never[]) => unknown>, K extends keyof M & string>(
  load: () => Promise<M>,
  name: K,
): (...args: Parameters<M[K]>) => Promise<void> {
  return async (...args) => {
    await (await load())[name](...args);
  };
}

const program = new Command('cityflow')
  .description('Traffic analytics for a city camera network: decode, detect, store, query.')
  .showHelpAfterError();

program
  .command('demo')
  .description('process sample footage end to end (local Redis and embedded ClickHouse) and print a summary')
  .argument('[files...]', 'video files (default: samples/residential-street.mp4)')
  .option('--json', 'print the summary as one JSON object on the last line of stdout')
  .option('--fps <n>', 'frames analysed per second of video', positive, 5)
  .option('--camera <id>', 'camera id for the rows', cameraId, 'demo')
  .option('--data-dir <dir>', 'local state folder', 'var')
  .action(later(() => import('./demo-command.ts'), 'demoCommand'));

program
  .command('run')
  .description('run the pipeline for the cameras of a configuration file (long-running)')
  .requiredOption('-c, --config <file>', 'YAML or JSON configuration')
  .option('--exit-when-done', 'exit once every file source is processed, with a summary')
  // No default list here: without --stages, run runs every stage (STAGES), live cameras included.
  .option(
    '--stages <list>',
    'stages run in this process (must include store; default: all, extract,detect,track,store,live); others run as `worker`',
  )
  .action(later(() => import('./run-command.ts'), 'runCommand'));

program
  .command('worker')
  .description(
    'run some stages of the pipeline against a shared Redis (REDIS_URL), for multi-process deployments',
  )
  .requiredOption('-c, --config <file>', 'YAML or JSON configuration')
  .requiredOption('--stages <list>', 'comma-separated: extract,detect,store')
  .action(later(() => import('./worker-command.ts'), 'workerCommand'));

program
  .command('query')
  .description('run SQL against the store (a server with CLICKHOUSE_URL, else the local embedded one)')
  .argument('<sql>', 'one SQL statement')
  .option('--json', 'print rows as a JSON array')
  .option('-c, --config <file>', 'configuration (for dataDir / clickhouseUrl)')
  .option('--data-dir <dir>', 'local state folder', 'var')
  .action(later(() => import('./query-command.ts'), 'queryCommand'));

program
  .command('detect')
  .description(
    'run a detection model on an image (JPEG, PNG) or a video, print the detections and draw them into an image',
  )
  .argument('<input>', 'image or video file')
  .option(
    '-m, --model <name>',
    'model: built in (yolox-nano, the default; centernet) or declared under `models:` in --config',
  )
  .option('-c, --config <file>', 'configuration whose `models:` (and detector.model) to use')
  .option(
    '--json',
    'print the detections as one JSON object on the last line of stdout (no image unless --out)',
  )
  .option(
    '-o, --out <path>',
    'annotated output: image → a .jpg (default <name>.detections.jpg beside the input); ' +
      'video → a folder with one .jpg per frame (default <name>.detections/), or a .jpg/.png path for ' +
      'the first frame with detections',
  )
  .option('--fps <n>', 'videos: frames analysed per second of video', positive, 1)
  .option('--max-frames <n>', 'videos: analyse at most this many frames', positiveInt, 10)
  .option('--score-threshold <s>', "override the model's score threshold, in (0, 1)", score)
  .action(later(() => import('./detect-command.ts'), 'detectCommand'));

program
  .command('plates')
  .description(
    'find and read licence plates (one- and two-line) in images (JPEG, PNG) or videos; print them and draw them',
  )
  .argument('<inputs...>', 'image or video files, or folders of images')
  .option('--json', 'print one JSON object on the last line of stdout (no image unless --out)')
  .option('-o, --out <path>', 'annotated image (default <name>.plates.jpg beside the input)')
  .option(
    '--country <c>',
    "plate grammar: auto (recognise Vietnamese plates), VN (apply Vietnam's), none",
    plateCountry,
    'auto',
  )
  .option(
    '--min-confidence <s>',
    'drop reads below this mean character confidence, in (0, 1); default 0.8',
    score,
  )
  .option('--no-vehicles', 'do not look for plates in crops of detected vehicles (the whole picture only)')
  .option(
    '--detector <file>',
    'a licence-plate detector of yours (ONNX) instead of the built-in text locator',
  )
  .option(
    '--detector-format <f>',
    'its output: yolo ([1, 4 + C, N]) or end2end ([N, 7])',
    detectorFormat,
    'yolo',
  )
  .option('--detector-size <n>', 'its square input side in pixels', positiveInt, 640)
  .option('--detector-threshold <s>', 'its score threshold, in (0, 1)', score, 0.4)
  .option('--fps <n>', 'videos: frames read per second of video', positive, 2)
  .option('--max-frames <n>', 'videos: read at most this many frames', positiveInt, 20)
  .action(later(() => import('./plates-command.ts'), 'platesCommand'));

program
  .command('migrate')
  .description('apply ClickHouse migrations and list them')
  .option('-c, --config <file>', 'configuration (for dataDir / clickhouseUrl)')
  .option('--data-dir <dir>', 'local state folder', 'var')
  .option(
    '--cluster <name>',
    'print the DDL for a sharded, replicated ClickHouse cluster (ON CLUSTER, Replicated*MergeTree, Distributed by camera) instead of applying',
  )
  .action(later(() => import('./migrate-command.ts'), 'migrateCommand'));

program
  .command('forecast')
  .description(
    'refresh the short-term forecasts (volume, speed, level of service 15/30/60 min ahead) now, as `run` does every 15 minutes',
  )
  .option('-c, --config <file>', 'configuration (for dataDir / clickhouseUrl and measures.losDensity)')
  .option('--data-dir <dir>', 'local state folder', 'var')
  .option('--json', 'print the summary as JSON')
  .action(later(() => import('./forecast-command.ts'), 'forecastCommand'));

program
  .command('backfill')
  .description(
    'process archived footage for one camera (files, folders, globs) as a resumable, idempotent batch, with progress and a report',
  )
  .argument('<inputs...>', 'video files, folders (their video files) or quoted glob patterns')
  .requiredOption('--camera <id>', 'camera the footage belongs to', cameraId)
  .option(
    '--start <iso>',
    "wall time of the first file's first frame (later files follow on); default: from the file name or the container",
  )
  .option(
    '--fps <n>',
    "frames analysed per second of video (default: the camera's, else extract.fps)",
    positive,
  )
  .option('-c, --config <file>', "configuration (the camera's scene, roi and motion gate; store and queues)")
  .option('--data-dir <dir>', 'local state folder', 'var')
  .option('--json', 'print the report as one JSON object on the last line of stdout')
  .action(later(() => import('./backfill-command.ts'), 'backfillCommand'));

program
  .command('serve')
  .description(
    'run the analytics API (JSON/CSV, report page at /report, OpenAPI at /docs, Bull Board at /admin/queues)',
  )
  .option('-p, --port <n>', 'TCP port', positiveInt, 8080)
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--rate-limit <n>', 'requests per minute per API key', positiveInt, 600)
  .option('-c, --config <file>', 'configuration (for dataDir / clickhouseUrl / redisUrl / queuePrefix)')
  .option('--data-dir <dir>', 'local state folder', 'var')
  .action(later(() => import('./serve-command.ts'), 'serveCommand'));

const keys = program
  .command('keys')
  .description('manage API keys (stored hashed in <dataDir>/api-keys.json)');
keys
  .command('create')
  .description('create a key and print it (once)')
  .requiredOption(
    '--role <role>',
    'analyst, transport, operator, plates (raw licence plates, audited) or admin',
  )
  .option('--name <text>', 'who or what the key is for')
  .option('-c, --config <file>', 'configuration (for dataDir)')
  .option('--data-dir <dir>', 'local state folder', 'var')
  .action(later(() => import('./keys-command.ts'), 'keysCreateCommand'));
keys
  .command('list')
  .description('list keys (ids, roles, dates; never the secrets)')
  .option('--json', 'print as JSON')
  .option('-c, --config <file>', 'configuration (for dataDir)')
  .option('--data-dir <dir>', 'local state folder', 'var')
  .action(later(() => import('./keys-command.ts'), 'keysListCommand'));
keys
  .command('revoke')
  .description('revoke a key by id (a running server refuses it from the next request)')
  .argument('<id>', 'key id (see keys list)')
  .option('-c, --config <file>', 'configuration (for dataDir)')
  .option('--data-dir <dir>', 'local state folder', 'var')
  .action(later(() => import('./keys-command.ts'), 'keysRevokeCommand'));

program.parseAsync().catch((e: unknown) => {
  process.stderr.write(`cityflow: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
