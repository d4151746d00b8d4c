#!/usr/bin/env node
// The `lab` command. The workspace runs its TypeScript from source, so tsx's loader comes first.
import { register } from 'tsx/esm/api';

register();
await import('../src/bin.ts');
