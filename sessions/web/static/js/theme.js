// Loaded first by the replay page: the theme the person chose in the room (prefs.js).
import { applyTheme, loadPrefs } from "./prefs.js";

applyTheme(loadPrefs());
