// node-gyp-build ships no types: load(dir) returns the addon's exports.
declare module 'node-gyp-build' {
  function load(dir: string): unknown;
  export = load;
}
