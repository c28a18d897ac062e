// The API key the pages send (/map, /alerts): given once in the address as #key=... (then taken out
// of the address bar) and kept in the browser's localStorage, the same place the report page uses.
// biome-ignore lint/correctness/noUnusedVariables: a global for the pages' scripts
function readKey() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('key')) {
    localStorage.setItem('cityflow-key', hash.get('key'));
    history.replaceState(null, '', location.pathname + location.search); // the key leaves the address bar
  }
  return localStorage.getItem('cityflow-key') || '';
}
