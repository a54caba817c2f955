// The webVitalsMonitor package as a page gets it (bundled by esbuild, as the dashboard and the
// platform's React app import it), plus a real React app whose error boundary reports with
// captureError, for the browser tests.
import * as React from "react";
import { createRoot } from "react-dom/client";
import { webVitalsMonitor } from "../../../packages/web-vitals-monitor/src/index.js";

window.webVitalsMonitor = webVitalsMonitor;

class ErrorBoundary extends React.Component {
  constructor(props) {
    super(props);
    this.state = { failed: false };
  }

  static getDerivedStateFromError() {
    return { failed: true };
  }

  componentDidCatch(error, info) {
    console.log("CAPTURED " + webVitalsMonitor.captureError(error, info));
  }

  render() {
    return this.state.failed ? React.createElement("p", { id: "fallback" }, "Something went wrong") : this.props.children;
  }
}

function PitchPanel({ deck }) {
  if (!deck.slides) throw new TypeError("pitch panel has no slides");
  return React.createElement("p", null, deck.title);
}

window.renderDealRoom = (element) =>
  createRoot(element).render(React.createElement(ErrorBoundary, null, React.createElement(PitchPanel, { deck: {} })));
