// The whiteboard in the replay: the board as the timeline's board-change events left it at a
// moment, shown read-only by Excalidraw (loaded only when the interview used the board).

import { nameControls } from "./board.js";
import { h } from "./dom.js";

const VENDOR = "/static/vendor/board/";

/** Whether copy `a` of an element wins over `b` (the server's and Excalidraw's rule). */
function beats(a, b) {
  return b === undefined || a.version > b.version || (a.version === b.version && a.versionNonce < b.versionNonce);
}

/** The live elements after every board-change event at or before `moment` (ms). */
export function boardAt(events, moment) {
  const board = new Map();
  for (const event of events) {
    if (new Date(event.at).getTime() > moment) break;
    for (const element of event.elements || []) {
      if (beats(element, board.get(element.id))) board.set(element.id, element);
    }
  }
  return [...board.values()].filter((e) => !e.isDeleted);
}

/** Mount a read-only board in `container`; `show(elements)` draws them. */
export async function replayBoard(container) {
  window.EXCALIDRAW_ASSET_PATH = VENDOR;
  if (!document.querySelector(`link[href="${VENDOR}board.css"]`)) {
    document.head.append(h("link", { rel: "stylesheet", href: `${VENDOR}board.css` }));
  }
  const vendor = await import(`${VENDOR}board.js`);
  const host = h("div", { class: "board-host" });
  container.replaceChildren(host);
  const api = await new Promise((resolve) => {
    vendor.mountBoard(host, { excalidrawAPI: resolve, viewModeEnabled: true, zenModeEnabled: true, langCode: "en", aiEnabled: false });
  });
  container.excalidrawAPI = api; // for tests and the console; not a global
  nameControls(container);
  let first = true;
  return {
    show(elements) {
      api.updateScene({ elements: vendor.restoreElements(elements, null), captureUpdate: vendor.CaptureUpdateAction.NEVER });
      if (first && elements.length) {
        first = false;
        api.scrollToContent(undefined, { fitToContent: true });
      }
    },
  };
}
