import { z } from 'zod';

/** The backends a run may ask for; `auto` takes the fastest present (see selectBackend). */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'blas', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type ConcreteBackendName = Exclude<BackendName, 'auto'>;

/** The backend choice (an experiment file's `backend`) with its default. */
export const backendSettingSchema = z.enum(BACKEND_NAMES).default('auto');
