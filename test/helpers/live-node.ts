/**
 * A pipeline node that runs only the live stage, as a separate process for takeover tests:
 *   node --import tsx test/helpers/live-node.ts <redisUrl> '<config JSON>'
 * Prints "ready <pid>" once its workers run.
 */
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import { PipelineNode } from '../../workers/pipeline-node.ts';

const [redisUrl, json] = process.argv.slice(2);
const config = normaliseConfig(JSON.parse(json), 'live-node.json');
const node = await PipelineNode.start({ config, redisUrl, stages: ['live'] });
process.on('SIGTERM', () => node.close().finally(() => process.exit(0)));
process.stdout.write(`ready ${process.pid}\n`);
