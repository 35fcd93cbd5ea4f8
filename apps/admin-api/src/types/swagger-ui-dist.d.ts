/** The one helper of `swagger-ui-dist` used here (the package ships no type declarations). */
declare module 'swagger-ui-dist/absolute-path.js' {
  /** Directory holding swagger-ui's static files. */
  function getAbsoluteFSPath(): string;
  export = getAbsoluteFSPath;
}
