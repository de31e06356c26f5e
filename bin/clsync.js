#!/usr/bin/env node
// Thin launcher: the daemon is compiled TypeScript under dist/.
import { main } from '../dist/src/cli.js';
main(process.argv.slice(2));
