#!/usr/bin/env node
// Node 24 strips types from the .ts entry point; no build step.
import '../src/cli.ts';
