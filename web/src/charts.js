// Chart.js, registered once with only the pieces the screens use (keeps the bundle small).
import {
  ArcElement, CategoryScale, Chart, DoughnutController, Filler, Legend, LinearScale, LineController,
  LineElement, PointElement, Tooltip,
} from 'chart.js';

Chart.register(ArcElement, CategoryScale, DoughnutController, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#1b1f24';
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

export { Chart };

/** A canvas in a sized box, with a text alternative for screen readers. */
export function canvasBox(label, cls = 'chart') {
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const box = document.createElement('div');
  box.className = cls;
  box.append(canvas);
  return { box, canvas };
}
