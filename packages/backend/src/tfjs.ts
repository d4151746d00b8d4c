// The single tfjs instance of the project, with the wasm and cpu backends registered.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's Node build has no gradient definitions; the @tensorflow/tfjs bundle registers
// them (into tfjs' global registry, shared with tfjs-core). Without this, training fails.
import '@tensorflow/tfjs';
import { engine, type KernelBackend } from '@tensorflow/tfjs-core';

export * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs' cpu backend greets its first tensor in Node with a banner on console.warn ("Hi, looks like
 * you are running TensorFlow.js in Node.js ... install our node backend"). The lab chooses its
 * backend itself and says which, with any reason a faster one is not used (selectBackend), so the
 * banner is noise in `lab` and test output. Every cpu backend this instance creates starts past its
 * first use, which only skips the banner: tfjs' other warnings still print (unlike the IS_TEST or
 * PROD flags, which silence them all).
 */
function skipCpuBanner(backend: KernelBackend): void {
  if ('firstUse' in backend) (backend as unknown as { firstUse: boolean }).firstUse = false;
}
const cpuFactory = engine().registryFactory.cpu;
if (cpuFactory) {
  const create = cpuFactory.factory;
  cpuFactory.factory = () => {
    const backend = create();
    if (!(backend instanceof Promise)) skipCpuBanner(backend);
    return backend;
  };
}
const createdCpu = engine().registry.cpu;
if (createdCpu) skipCpuBanner(createdCpu);
