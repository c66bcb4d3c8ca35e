// Formatting of musical and technical values for people: bar.beat, tempo, meter, durations, dates.

/** 1-based "bar.beat" with a tenth-of-a-beat digit, e.g. bar 0 beat 1.5 -> "1.2.5". */
export function barBeat(bar: number, beat: number): string {
  const b = Math.floor(beat + 1e-9);
  const sixteenth = Math.floor((beat - b) * 4 + 1e-9);
  return `${bar + 1}.${b + 1}.${sixteenth + 1}`;
}

export function bpm(v: number): string {
  return v.toFixed(2).replace(/\.?0+$/, (m) => (m.startsWith('.') ? '' : m));
}

export function meter(num: number, den: number): string {
  return `${num}/${den}`;
}

export function ms(frames: number, rate: number): string {
  if (!rate) return '–';
  const v = (frames / rate) * 1000;
  if (v === 0) return '0 ms';
  return v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
}

export function seconds(frames: number, rate: number): string {
  return rate ? `${(frames / rate).toFixed(2)} s` : '–';
}

export function khz(rate: number): string {
  return `${(rate / 1000).toFixed(rate % 1000 === 0 ? 0 : 1)} kHz`;
}

/** "14:03" today, "12 Nov 14:03" otherwise. */
export function when(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const hm = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
  if (d.toDateString() === now.toDateString()) return hm;
  return `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${hm}`;
}

export function shortId(id: string): string {
  return id.length > 8 ? id.slice(-6) : id;
}

export function percent(p: number): string {
  return `${Math.round(Math.max(0, Math.min(1, p)) * 100)}%`;
}
