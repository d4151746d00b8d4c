export { createSiameseModel, type ModelSpec, type ModelInputs, type SiameseModel } from './siamese.ts';
export { createMlpTower, createTower, activations, type Activation, type MlpTowerSpec, type Tower, type TowerSpec } from './towers.ts';
