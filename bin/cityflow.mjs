#!/usr/bin/env node
// The `cityflow` command. The sources are TypeScript run through tsx, so a clone works without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../workers/cli/main.ts');
