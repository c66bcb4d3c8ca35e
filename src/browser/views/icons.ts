// Small line icons drawn as inline SVG elements (no icon font, nothing fetched).
import { html } from 'htm/preact';
import type { VNode } from 'preact';

const svg = (d: string, fill = false): VNode => html`<svg class="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false"><path d=${d} fill=${fill ? 'currentColor' : 'none'} stroke=${fill ? 'none' : 'currentColor'} stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export const icons = {
  play: () => svg('M5 3.5v9l7-4.5z', true),
  stop: () => svg('M4.5 4.5h7v7h-7z', true),
  star: () => svg('M8 2.2l1.7 3.6 3.9.5-2.9 2.7.8 3.9L8 11l-3.5 1.9.8-3.9-2.9-2.7 3.9-.5z'),
  starFilled: () => svg('M8 2.2l1.7 3.6 3.9.5-2.9 2.7.8 3.9L8 11l-3.5 1.9.8-3.9-2.9-2.7 3.9-.5z', true),
  again: () => svg('M12.5 8a4.5 4.5 0 1 1-1.3-3.2M12.5 2.5v2.8H9.7'),
  dice: () => html`<svg class="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false"><rect x="2.5" y="2.5" width="11" height="11" rx="2.5" fill="none" stroke="currentColor" stroke-width="1.5"/><circle cx="5.75" cy="5.75" r="1.1" fill="currentColor"/><circle cx="10.25" cy="10.25" r="1.1" fill="currentColor"/><circle cx="8" cy="8" r="1.1" fill="currentColor"/></svg>`,
  ab: () => svg('M2.5 12L5 4l2.5 8M3.3 9.5h3.4M9.5 4v8h2.2a2 2 0 0 0 0-4H9.5h1.8a2 2 0 0 0 0-4z'),
  trash: () => svg('M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 8.5h5.6l.7-8.5'),
  capture: () => svg('M8 2v8M4.5 6.5L8 10l3.5-3.5M3 13h10'),
  drop: () => svg('M8 2.5v7M5 6.5l3 3 3-3M2.5 10.5v3h11v-3'),
  folder: () => svg('M2 4.5h4l1.5 1.5H14v7H2z'),
  x: () => svg('M4 4l8 8M12 4l-8 8'),
  search: () => svg('M7 12a5 5 0 1 1 0-10 5 5 0 0 1 0 10zM10.7 10.7L14 14'),
  warn: () => svg('M8 2l6.5 11.5h-13zM8 6.5v3M8 11.5h.01'),
  plug: () => svg('M5.5 2v3M10.5 2v3M4 5h8v2.5a4 4 0 0 1-8 0zM8 11.5V14'),
  drag: () => svg('M6 3.5h.01M10 3.5h.01M6 8h.01M10 8h.01M6 12.5h.01M10 12.5h.01'),
};
