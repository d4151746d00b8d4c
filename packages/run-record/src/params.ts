/** One flattened run parameter (`optimizer.name`, `loss.margin`, `seed`, ...) as stored and compared. */
export type ParamValue = string | number | boolean | null;
