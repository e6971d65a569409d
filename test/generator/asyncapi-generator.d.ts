/** The part of @asyncapi/generator 2.x (which ships no types) that the template suite uses. */
declare module '@asyncapi/generator' {
  export interface GeneratorOptions {
    forceWrite?: boolean;
    install?: boolean;
    templateParams?: Record<string, string>;
  }
  export default class Generator {
    constructor(templateName: string, targetDir: string, options?: GeneratorOptions);
    generateFromFile(asyncapiFile: string): Promise<void>;
  }
}
