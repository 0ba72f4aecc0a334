import"./chunk-3RNHDNP5.js";var r=()=>{throw new Error("@excalidraw/mermaid-to-excalidraw is not part of this server's board")},e=r,a=r;export{a as default,e as parseMermaidToExcalidraw};
