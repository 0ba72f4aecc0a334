import"./chunk-3RNHDNP5.js";var r=()=>{throw new Error("image-blob-reduce is not part of this server's board")},e=r,o=r;export{o as default,e as parseMermaidToExcalidraw};
