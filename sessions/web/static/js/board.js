// The whiteboard tab: Excalidraw (vendored, loaded on first open) bound to the room's socket
// through BoardSync. The room imports this module only when the board is first opened, so a
// room whose board stays closed loads nothing of it.

import { BoardSync } from "./board_sync.js";
import { h } from "./dom.js";

const VENDOR = "/static/vendor/board/";
const POINTER_MS = 50;
// Excalidraw's collaborator colours are {background, stroke}; one per palette class.
const COLOURS = ["#b3261e", "#0b6e4f", "#1f4fbf", "#7b1fa2", "#8a5300", "#006d77", "#ad1457", "#3f4fa5"];

// Excalidraw controls that have an icon and no accessible name (axe-core: button-name).
const UNNAMED = [[".main-menu-trigger", "Menu"], [".dropdown-menu-button", "Menu"]];

/** Name Excalidraw's unnamed controls, now and whenever it renders them again. */
export function nameControls(container) {
  const name = () => {
    for (const [selector, label] of UNNAMED) {
      for (const el of container.querySelectorAll(`${selector}:not([aria-label])`)) el.setAttribute("aria-label", label);
    }
  };
  name();
  new MutationObserver(name).observe(container, { childList: true, subtree: true });
}

function loadStylesheet(href) {
  if (document.querySelector(`link[href="${href}"]`)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const link = h("link", { rel: "stylesheet", href });
    link.addEventListener("load", resolve);
    link.addEventListener("error", () => reject(new Error(`cannot load ${href}`)));
    document.head.append(link);
  });
}

export class BoardTab {
  /** `send(frame)`: the room socket's send (false when offline). `readOnly`: observers and
   * ended sessions watch. `onError(message)`: a refused change, for the room's notice. */
  constructor({ container, send, readOnly, palette, onError }) {
    this.container = container;
    this.send = send;
    this.readOnly = readOnly;
    this.palette = palette;
    this.onError = onError;
    this.api = null;
    this.mounted = null;
    this.vendor = null;
    this.collaborators = new Map();
    this.pointer = null;
    this.pointerTimer = null;
    this.sync = null;
  }

  /** Load Excalidraw, show the board and ask the server for it. */
  async open() {
    const started = performance.now();
    window.EXCALIDRAW_ASSET_PATH = VENDOR;
    const [vendor] = await Promise.all([import(`${VENDOR}board.js`), loadStylesheet(`${VENDOR}board.css`)]);
    this.vendor = vendor;
    const host = h("div", { class: "board-host" });
    this.container.replaceChildren(host);
    this.api = await new Promise((resolve) => {
      this.mounted = vendor.mountBoard(host, this.props({ excalidrawAPI: resolve }));
    });
    this.container.excalidrawAPI = this.api; // for tests and the console; not a global
    nameControls(this.container);
    this.sync = new BoardSync({ send: this.send, scene: this.scene() });
    this.sync.sync();
    this.container.dataset.openedMs = String(Math.round(performance.now() - started));
  }

  props(more = {}) {
    return {
      langCode: "en",
      name: "Whiteboard",
      isCollaborating: true,
      viewModeEnabled: this.readOnly,
      handleKeyboardGlobally: false,
      aiEnabled: false,
      UIOptions: {
        tools: { image: false },
        canvasActions: { loadScene: false, saveToActiveFile: false, toggleTheme: false },
      },
      onChange: () => this.sync?.changed(),
      onPointerUpdate: ({ pointer, button }) => this.pointerMoved(pointer, button),
      ...more,
    };
  }

  scene() {
    const { CaptureUpdateAction, reconcileElements, restoreElements } = this.vendor;
    const api = this.api;
    return {
      elements: () => api.getSceneElementsIncludingDeleted(),
      busy: () => {
        const s = api.getAppState();
        return Boolean(
          s.newElement || s.resizingElement || s.editingTextElement || s.selectedElementsAreBeingDragged || s.isResizing || s.isRotating,
        );
      },
      apply: (remote) => {
        if (!remote.length) return;
        const merged = reconcileElements(
          api.getSceneElementsIncludingDeleted(),
          restoreElements(remote, null),
          api.getAppState(),
        );
        api.updateScene({ elements: merged, captureUpdate: CaptureUpdateAction.NEVER });
      },
    };
  }

  /** A board-* frame, or an error answering one (ref "b…"); true when it was the board's. */
  handle(frame) {
    if (frame.type === "board-pointer") {
      this.remotePointer(frame);
      return true;
    }
    if (this.sync === null) return frame.type.startsWith("board-");
    if (frame.type === "error") {
      const message = this.sync.failed(frame);
      if (message) this.onError(message);
      return true;
    }
    return this.sync.receive(frame);
  }

  /** The socket rejoined: catch up on what was missed, then send what was drawn offline. */
  rejoined() {
    this.sync?.sync();
  }

  setReadOnly(readOnly) {
    this.readOnly = readOnly;
    this.mounted?.update({ viewModeEnabled: readOnly });
  }

  /** Only the people still here keep a pointer on the board. */
  present(userIds) {
    let changed = false;
    for (const userId of this.collaborators.keys()) {
      if (!userIds.has(userId)) {
        this.collaborators.delete(userId);
        changed = true;
      }
    }
    if (changed) this.api?.updateScene({ collaborators: new Map(this.collaborators) });
  }

  pointerMoved(pointer, button) {
    if (this.readOnly) return;
    this.pointer = { x: pointer.x, y: pointer.y, button };
    if (this.pointerTimer !== null) return;
    this.pointerTimer = setTimeout(() => {
      this.pointerTimer = null;
      this.send({ type: "board-pointer", ...this.pointer, ref: "b0" }); // an error: the board's, silent
    }, POINTER_MS);
  }

  remotePointer({ userId, name, x, y, button }) {
    if (this.api === null) return;
    const colour = COLOURS[Number(this.palette.classFor(userId).slice("user-c".length)) % COLOURS.length] || COLOURS[0];
    this.collaborators.set(userId, {
      username: name,
      pointer: { x, y, tool: "pointer" },
      button,
      color: { background: colour, stroke: colour },
    });
    this.api.updateScene({ collaborators: new Map(this.collaborators) });
  }
}
