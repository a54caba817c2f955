import { CategoryScale, Chart, LinearScale, LineController, LineElement, PointElement } from "chart.js";
Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale);
window.lib = Chart;
