export { createSiameseModel, modelParameterCount, type ModelSpec, type ModelInputs, type SiameseModel } from './siamese.ts';
export { ModelInputError } from './input-error.ts';
export {
  createMlpTower,
  createCnnTower,
  createTower,
  type MlpTowerSpec,
  type CnnTowerSpec,
  type ImageShape,
  type Tower,
  type TowerSpec,
} from './towers.ts';
export { modelSettingsSchema } from './settings.ts';
