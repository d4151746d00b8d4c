import type { EmbeddingPoints } from './api.ts';
import { classColour } from './dom.ts';

export interface ScatterOptions {
  size: number;
  onHover?: (index: number | null, event: MouseEvent) => void;
  onClick?: (index: number) => void;
  /** A rectangle dragged over the plot: the points inside it. */
  onBrush?: (indices: number[]) => void;
}

const pickRadius = 10;
const dragThreshold = 4;

/**
 * One embedding drawn on a canvas: every point (10,000 is a few milliseconds), coloured by class,
 * with equal scales on both axes so a round cluster looks round. Hover picks the nearest point,
 * a click selects it, a drag brushes a rectangle. Highlighted points are drawn over greyed others.
 */
export class Scatter {
  readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private readonly screenX: Float32Array;
  private readonly screenY: Float32Array;
  private highlighted: Set<number> | null = null;
  private selected: number | null = null;
  private brush: { x0: number; y0: number; x1: number; y1: number } | null = null;

  constructor(
    readonly data: EmbeddingPoints,
    private readonly options: ScatterOptions,
  ) {
    const { size } = options;
    const ratio = window.devicePixelRatio || 1;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'scatter';
    this.canvas.width = Math.round(size * ratio);
    this.canvas.height = Math.round(size * ratio);
    this.canvas.style.width = `${size}px`;
    this.canvas.style.height = `${size}px`;
    this.canvas.setAttribute('data-points', String(data.count));
    this.context = this.canvas.getContext('2d')!;
    this.context.scale(ratio, ratio);
    [this.screenX, this.screenY] = this.layout();
    this.listen();
    this.draw();
  }

  /** Screen positions: the bounding box of the finite points, one scale for both axes, 12 px margin. */
  private layout(): [Float32Array, Float32Array] {
    const { xy, count } = this.data;
    let minX = Infinity,
      maxX = -Infinity,
      minY = Infinity,
      maxY = -Infinity;
    for (let i = 0; i < count; i++) {
      const x = xy[2 * i],
        y = xy[2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    const margin = 12;
    const span = Math.max(maxX - minX, maxY - minY) || 1;
    const scale = (this.options.size - 2 * margin) / span;
    const offsetX = margin + (this.options.size - 2 * margin - (maxX - minX) * scale) / 2;
    const offsetY = margin + (this.options.size - 2 * margin - (maxY - minY) * scale) / 2;
    const screenX = new Float32Array(count),
      screenY = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      screenX[i] = offsetX + (xy[2 * i] - minX) * scale;
      // Larger y is up, as in the report's charts.
      screenY[i] = this.options.size - (offsetY + (xy[2 * i + 1] - minY) * scale);
    }
    return [screenX, screenY];
  }

  /** The nearest drawn point within the pick radius of (x, y) in CSS pixels. */
  pick(x: number, y: number): number | null {
    let best = pickRadius * pickRadius;
    let found: number | null = null;
    for (let i = 0; i < this.data.count; i++) {
      const dx = this.screenX[i] - x,
        dy = this.screenY[i] - y;
      const distance = dx * dx + dy * dy;
      if (distance < best) {
        best = distance;
        found = i;
      }
    }
    return found;
  }

  pointsIn(x0: number, y0: number, x1: number, y1: number): number[] {
    const [left, right] = x0 < x1 ? [x0, x1] : [x1, x0];
    const [top, bottom] = y0 < y1 ? [y0, y1] : [y1, y0];
    const inside: number[] = [];
    for (let i = 0; i < this.data.count; i++) {
      if (this.screenX[i] >= left && this.screenX[i] <= right && this.screenY[i] >= top && this.screenY[i] <= bottom) inside.push(i);
    }
    return inside;
  }

  /** Highlights these point indices (the same test images in every linked run); null shows all normally. */
  setHighlight(indices: Iterable<number> | null): void {
    this.highlighted = indices === null ? null : new Set([...indices].filter((index) => index < this.data.count));
    this.canvas.setAttribute('data-highlighted', String(this.highlighted?.size ?? 0));
    this.draw();
  }

  setSelected(index: number | null): void {
    this.selected = index !== null && index < this.data.count ? index : null;
    this.draw();
  }

  private draw(): void {
    const context = this.context;
    const { size } = this.options;
    const { labels, domains, count } = this.data;
    context.clearRect(0, 0, size, size);
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, size, size);
    const highlighted = this.highlighted;
    // Points of one colour in one pass: far fewer fillStyle changes.
    const byColour = new Map<string, number[]>();
    for (let i = 0; i < count; i++) {
      if (!Number.isFinite(this.screenX[i]) || !Number.isFinite(this.screenY[i])) continue;
      const colour = highlighted && !highlighted.has(i) ? '#d9d9d9' : classColour(labels[i]);
      let list = byColour.get(colour);
      if (!list) byColour.set(colour, (list = []));
      list.push(i);
    }
    const drawGroup = (colour: string, indices: number[], radius: number) => {
      context.fillStyle = colour;
      for (const i of indices) {
        const r = domains[i] === 1 ? radius * 0.75 : radius;
        context.globalAlpha = domains[i] === 1 ? 0.55 : 0.85;
        context.fillRect(this.screenX[i] - r, this.screenY[i] - r, 2 * r, 2 * r);
      }
      context.globalAlpha = 1;
    };
    const grey = byColour.get('#d9d9d9');
    if (grey) drawGroup('#d9d9d9', grey, 1.2);
    for (const [colour, indices] of byColour) if (colour !== '#d9d9d9') drawGroup(colour, indices, highlighted ? 2.2 : 1.3);
    if (this.selected !== null) {
      context.strokeStyle = '#000000';
      context.lineWidth = 2;
      context.beginPath();
      context.arc(this.screenX[this.selected], this.screenY[this.selected], 6, 0, 2 * Math.PI);
      context.stroke();
    }
    if (this.brush) {
      const { x0, y0, x1, y1 } = this.brush;
      context.strokeStyle = '#333333';
      context.setLineDash([4, 3]);
      context.lineWidth = 1;
      context.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      context.setLineDash([]);
    }
  }

  private listen(): void {
    const position = (event: MouseEvent) => {
      const box = this.canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    };
    let start: { x: number; y: number } | null = null;
    this.canvas.addEventListener('mousedown', (event) => {
      start = position(event);
      event.preventDefault();
    });
    this.canvas.addEventListener('mousemove', (event) => {
      const at = position(event);
      if (start && (this.brush || Math.hypot(at.x - start.x, at.y - start.y) > dragThreshold)) {
        this.brush = { x0: start.x, y0: start.y, x1: at.x, y1: at.y };
        this.draw();
        return;
      }
      this.options.onHover?.(this.pick(at.x, at.y), event);
    });
    const finish = (event: MouseEvent) => {
      if (!start) return;
      const at = position(event);
      if (this.brush) {
        const inside = this.pointsIn(this.brush.x0, this.brush.y0, at.x, at.y);
        this.brush = null;
        this.draw();
        this.options.onBrush?.(inside);
      } else {
        const index = this.pick(at.x, at.y);
        if (index !== null) this.options.onClick?.(index);
      }
      start = null;
    };
    this.canvas.addEventListener('mouseup', finish);
    this.canvas.addEventListener('mouseleave', (event) => {
      if (this.brush) finish(event);
      start = null;
      this.options.onHover?.(null, event);
    });
  }
}
