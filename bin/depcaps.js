#!/usr/bin/env node
import { run } from '../dist/src/cli/index.js';

process.exitCode = await run(process.argv);
