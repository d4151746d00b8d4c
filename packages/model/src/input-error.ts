import { LabError } from '@siamese-lab/core';

/**
 * Model settings that do not fit the data (found only once the data is known, e.g. a CNN too
 * deep for small images). `setting` is the model setting at fault, a dotted path inside
 * `modelSettingsSchema` (`tower_b.channels`): the caller that read the settings names its line.
 */
export class ModelInputError extends LabError {
  readonly setting: string;

  constructor(message: string, setting: string, hint: string) {
    super(message, { hint });
    this.setting = setting;
  }
}
