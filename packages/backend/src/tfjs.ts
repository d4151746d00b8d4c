// The single tfjs instance of the project, with the wasm and cpu backends registered.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's Node build has no gradient definitions; the @tensorflow/tfjs bundle registers
// them (into tfjs' global registry, shared with tfjs-core). Without this, training fails.
import '@tensorflow/tfjs';

export * as tf from '@tensorflow/tfjs-core';
