import { isMap, isScalar, type Document, type LineCounter, type Node } from 'yaml';
import type { z } from 'zod';

/** A parsed YAML file kept with its line table so that errors can point at `file:line:column`. */
export interface SourceDocument {
  path: string;
  document: Document.Parsed;
  lines: LineCounter;
}

export type PathSegment = string | number;

/**
 * Where a path of keys is written in the file: the deepest existing node along it (a default
 * that was filled in points at its parent), or at the key itself for an unknown key.
 */
export function locate(source: SourceDocument, path: PathSegment[], pointAtKey?: string): string {
  for (let length = path.length; length >= 0; length--) {
    const node = source.document.getIn(path.slice(0, length), true) as Node | undefined;
    if (!node || !('range' in node) || !node.range) continue;
    let offset = node.range[0];
    if (pointAtKey !== undefined && length === path.length && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === pointAtKey);
      if (pair && isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
    }
    const { line, col } = source.lines.linePos(offset);
    return `${source.path}:${line}:${col}`;
  }
  return source.path;
}

export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** The closest known name, when it is close enough to be a likely typo. */
export function didYouMean(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(unknown.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined;
}

/** The part of zod's schema definition these walks read (wrappers' inner schema, objects' shape). */
interface SchemaDefinition {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

const definitionOf = (schema: z.ZodType): SchemaDefinition => schema._zod.def;

/** Unwraps defaults, optionals and pipes to reach the schema that describes the value itself. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = definitionOf(current);
    // A list's keys are its entries' (e.g. claims[0].pool): paths to them skip the index.
    const wrapped = ['default', 'optional', 'nullable', 'prefault'].includes(def.type)
      ? def.innerType
      : def.type === 'pipe'
        ? def.in
        : def.type === 'array'
          ? def.element
          : undefined;
    if (!wrapped) return current;
    current = wrapped;
  }
}

/** The keys an object schema accepts at `path`, or undefined when `path` is not an object. */
export function knownKeysAt(schema: z.ZodType, path: readonly string[]): string[] | undefined {
  let current = unwrap(schema);
  for (const segment of path) {
    const shape = definitionOf(current).shape;
    if (!shape || !(segment in shape)) return undefined;
    current = unwrap(shape[segment]);
  }
  const shape = definitionOf(current).shape;
  return shape ? Object.keys(shape) : undefined;
}

/** True when `path` names a field of the schema (a leaf or an object). */
export function isKnownPath(schema: z.ZodType, path: readonly string[]): { ok: true } | { ok: false; at: number; known: string[] } {
  for (let i = 0; i < path.length; i++) {
    const keys = knownKeysAt(schema, path.slice(0, i));
    if (!keys || !keys.includes(path[i])) return { ok: false, at: i, known: keys ?? [] };
  }
  return { ok: true };
}
