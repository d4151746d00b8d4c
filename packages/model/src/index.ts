export { createSiameseModel, modelParameterCount, type ModelSpec, type ModelInputs, type SiameseModel } from './siamese.ts';
export {
  createMlpTower,
  createCnnTower,
  createTower,
  activations,
  type Activation,
  type MlpTowerSpec,
  type CnnTowerSpec,
  type ImageShape,
  type Tower,
  type TowerSpec,
} from './towers.ts';
