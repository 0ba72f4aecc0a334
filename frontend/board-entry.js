// What the room's whiteboard imports from Excalidraw and React: one ES module (plus chunks
// loaded on demand), built by build.mjs into sessions/web/static/vendor/board/ (make vendor).
// The room loads it by dynamic import only when the board is first opened.
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { Excalidraw } from "@excalidraw/excalidraw";
import "@excalidraw/excalidraw/index.css";

/** Render Excalidraw into `container` with `props`; `update(more)` re-renders with more. */
export function mountBoard(container, props) {
  const root = createRoot(container);
  let current = props;
  const render = () => root.render(createElement(Excalidraw, current));
  render();
  return {
    update(more) {
      current = { ...current, ...more };
      render();
    },
    unmount() {
      root.unmount();
    },
  };
}

export { CaptureUpdateAction, exportToSvg, reconcileElements, restoreElements } from "@excalidraw/excalidraw";
