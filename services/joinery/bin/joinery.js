#!/usr/bin/env node
// The `joinery` command (npx joinery …): runs the TypeScript entry point through tsx, as `npm start` does.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
