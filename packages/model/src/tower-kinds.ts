/**
 * The names a tower can be built from. Their own module so the towers (which build them) and the
 * settings schema (which validates them, and imports the towers' spec types) both import one way.
 */
export const activations = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export type Activation = (typeof activations)[number];

export const towerKinds = ['mlp', 'cnn'] as const;
