/** The one function of `swagger-ui-dist` used here (the package ships no type declarations). */
declare module 'swagger-ui-dist' {
  /** Directory holding swagger-ui's static files. */
  export function getAbsoluteFSPath(): string;
}
