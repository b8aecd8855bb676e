/**
 * jest transform for `.wgsl` shaders: the module's default export is the file's text, as tsup's
 * `.wgsl` text loader does in the build. Emitted as CommonJS (`module.exports = text`), which an ES
 * module's default import receives as-is in jest's native ESM mode.
 */
module.exports = {
  process(sourceText) {
    return { code: `module.exports = ${JSON.stringify(sourceText)};\n` };
  },
};
