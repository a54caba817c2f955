import uPlot from "uplot";
window.lib = uPlot;
